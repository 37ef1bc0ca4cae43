import { type Static, Type } from "@sinclair/typebox";
import { ArtifactSchema } from "../../meta/artifact.js";
import { defineKind, type ObjectOf } from "../../meta/kind.js";
import { LocalObjectReferenceSchema } from "../../meta/references.js";
import { StringEnum } from "../../meta/schema-helpers.js";
import {
  AGE_COLUMN,
  Interval,
  LocalRef,
  READY_COLUMNS,
  SOURCE_CATEGORIES,
  sourceStatusFields,
  Timeout,
} from "./common.js";
import { DEFAULT_SOURCE_TIMEOUT, GitProvider, GitVerifyMode, SOURCE_GROUP, SOURCE_VERSION } from "./constants.js";

/**
 * `GitRepository.spec.ref`: the Git reference to check out. Precedence: `commit` > `name` > `semver` >
 * `tag` > `branch`; with none set the `master` branch is used. `commit` together with `branch` makes a
 * shallow clone of the branch that must contain the commit.
 */
export const GitRepositoryRefSchema = Type.Object(
  {
    branch: Type.Optional(
      Type.String({ description: "Branch to check out; defaults to 'master' if no other field is set." }),
    ),
    tag: Type.Optional(Type.String({ description: "Tag to check out; takes precedence over branch." })),
    semver: Type.Optional(
      Type.String({ description: "SemVer range of tags to check out the newest of; takes precedence over tag." }),
    ),
    name: Type.Optional(
      Type.String({
        description:
          "Full Git reference to check out (e.g. refs/heads/main, refs/pull/420/head); takes precedence over branch, tag and semver.",
      }),
    ),
    commit: Type.Optional(
      Type.String({
        description:
          "Commit SHA to check out; takes precedence over every other field. Combined with branch, the branch is shallow-cloned and must contain the commit.",
      }),
    ),
  },
  { description: "The Git reference to resolve and watch for changes; defaults to the 'master' branch." },
);
/** The Git reference of a GitRepository (also used by ImageUpdateAutomation's checkout ref). */
export type GitRepositoryRef = Static<typeof GitRepositoryRefSchema>;

/** `GitRepository.spec.verify`: commit/tag signature verification against keys in a Secret. */
export const GitRepositoryVerificationSchema = Type.Object(
  {
    mode: Type.Optional(
      StringEnum([GitVerifyMode.LegacyHead, GitVerifyMode.Head, GitVerifyMode.Tag, GitVerifyMode.TagAndHead] as const, {
        default: GitVerifyMode.Head,
        description: "Which Git object(s) to verify: HEAD (or legacy 'head'), Tag, or TagAndHEAD.",
      }),
    ),
    secretRef: LocalRef(
      "Secret holding the trusted public keys: PGP keys under '*.asc' keys, SSH keys under '*.sshpub' keys.",
    ),
  },
  { description: "Configuration to verify the signature(s) of the checked out Git commit or tag." },
);
/** Signature verification settings of a GitRepository. */
export type GitRepositoryVerification = Static<typeof GitRepositoryVerificationSchema>;

/** `GitRepository.spec.include[]`: another GitRepository whose artifact contents are copied into this one. */
export const GitRepositoryIncludeSchema = Type.Object(
  {
    repository: Type.Object(LocalObjectReferenceSchema.properties, {
      description: "The GitRepository (same namespace) whose artifact contents are included.",
    }),
    fromPath: Type.Optional(
      Type.String({ description: "Path to copy contents from; defaults to the root of the artifact." }),
    ),
    toPath: Type.Optional(
      Type.String({ description: "Path to copy contents to; defaults to the name of the included repository." }),
    ),
  },
  { description: "A GitRepository whose artifact (sub-)contents are included, and where to place them." },
);
/** An include of another GitRepository's artifact. */
export type GitRepositoryInclude = Static<typeof GitRepositoryIncludeSchema>;

/** `GitRepository.spec`. */
export const GitRepositorySpecSchema = Type.Object(
  {
    url: Type.String({
      pattern: "^(http|https|ssh)://.*$",
      description:
        "The Git repository URL: an http(s):// or ssh:// address (the scp form user@host:path is not accepted).",
    }),
    secretRef: Type.Optional(
      LocalRef(
        "Secret with credentials: 'username'+'password' or 'bearerToken' for HTTPS, 'identity'+'known_hosts' for SSH.",
      ),
    ),
    provider: Type.Optional(
      StringEnum([GitProvider.Generic, GitProvider.Aws, GitProvider.Azure, GitProvider.GitHub] as const, {
        description: "Authentication provider: generic (the default when unset), aws, azure or github.",
      }),
    ),
    serviceAccountName: Type.Optional(
      Type.String({
        description: "Kubernetes ServiceAccount used to authenticate; only with the 'azure' and 'aws' providers.",
      }),
    ),
    interval: Interval("How often the repository is checked for updates (approximate, jittered)."),
    timeout: Type.Optional(Timeout("Timeout for Git operations such as cloning.", DEFAULT_SOURCE_TIMEOUT)),
    ref: Type.Optional(GitRepositoryRefSchema),
    verify: Type.Optional(GitRepositoryVerificationSchema),
    proxySecretRef: Type.Optional(LocalRef("Secret with the proxy configuration used to reach the Git server.")),
    ignore: Type.Optional(
      Type.String({ description: "Exclusion patterns in .sourceignore (gitignore) format, replacing the defaults." }),
    ),
    suspend: Type.Optional(Type.Boolean({ description: "Suspends reconciliation of this GitRepository." })),
    recurseSubmodules: Type.Optional(
      Type.Boolean({ description: "Initialises all submodules with their default settings." }),
    ),
    include: Type.Optional(
      Type.Array(GitRepositoryIncludeSchema, {
        description: "GitRepositories whose artifacts are included in this GitRepository's artifact.",
      }),
    ),
    sparseCheckout: Type.Optional(
      Type.Array(Type.String(), {
        description: "Directories to check out; when set only these are included in the artifact.",
      }),
    ),
  },
  {
    description: "The configuration to produce an artifact from a Git repository.",
    "x-kubernetes-validations": [
      {
        rule: "!has(self.serviceAccountName) || (has(self.provider) && (self.provider == 'azure' || self.provider == 'aws'))",
        message: "serviceAccountName can only be set when provider is 'azure' or 'aws'",
      },
    ],
  },
);
/** The desired state of a GitRepository. */
export type GitRepositorySpec = Static<typeof GitRepositorySpecSchema>;

/** `GitRepository.status`. */
export const GitRepositoryStatusSchema = Type.Object(
  {
    ...sourceStatusFields(),
    includedArtifacts: Type.Optional(
      Type.Array(ArtifactSchema, { description: "The artifacts last included as instructed by spec.include." }),
    ),
    observedIgnore: Type.Optional(
      Type.String({ description: "The exclusion patterns used to build the current artifact." }),
    ),
    observedRecurseSubmodules: Type.Optional(
      Type.Boolean({ description: "The submodule setting used to build the current artifact." }),
    ),
    observedInclude: Type.Optional(
      Type.Array(GitRepositoryIncludeSchema, { description: "The includes used to build the current artifact." }),
    ),
    observedSparseCheckout: Type.Optional(
      Type.Array(Type.String(), { description: "The sparse checkout directories used to build the current artifact." }),
    ),
    sourceVerificationMode: Type.Optional(
      Type.String({ description: "The verification mode last used, naming which Git object(s) were verified." }),
    ),
  },
  { description: "The observed state of a Git repository." },
);
/** The observed state of a GitRepository. */
export type GitRepositoryStatus = Static<typeof GitRepositoryStatusSchema>;

/** The GitRepository kind (`kubectl get gitrepositories` shows URL, AGE, READY, STATUS). */
export const GitRepositoryKind = defineKind({
  group: SOURCE_GROUP,
  version: SOURCE_VERSION,
  kind: "GitRepository",
  plural: "gitrepositories",
  singular: "gitrepository",
  shortNames: ["gitrepo"],
  categories: [...SOURCE_CATEGORIES],
  description: "GitRepository is the Schema for the gitrepositories API.",
  spec: GitRepositorySpecSchema,
  status: GitRepositoryStatusSchema,
  printerColumns: [{ name: "URL", type: "string", jsonPath: ".spec.url" }, AGE_COLUMN, ...READY_COLUMNS],
});

/** A GitRepository object. */
export type GitRepository = ObjectOf<typeof GitRepositoryKind>;
