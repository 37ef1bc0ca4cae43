// Helm's own release storage: Secrets `sh.helm.release.v1.<name>.v<version>` of type `helm.sh/release.v1`
// whose `release` key holds base64(gzip(JSON of the release)), labelled owner=helm, name, status, version.

import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import type { KubeClient } from "@sluice/runtime/kube";

/** A hook of a stored release as Helm records it. */
export interface StoredHook {
  name: string;
  kind: string;
  path?: string;
  manifest?: string;
  events?: string[];
  last_run?: { started_at?: string; completed_at?: string; phase?: string };
}

/** The parts of Helm's release record helm-controller and the CLI read. */
export interface StoredRelease {
  name: string;
  namespace: string;
  version: number;
  info: {
    first_deployed?: string;
    last_deployed?: string;
    deleted?: string;
    description?: string;
    status: string;
  };
  chart: { metadata: { name: string; version: string; appVersion?: string } };
  config?: Record<string, unknown> | null;
  manifest?: string;
  hooks?: StoredHook[];
  /** The JSON text as stored (the snapshot digest is taken over it). */
  raw: string;
}

interface SecretObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string };
  type?: string;
  data?: Record<string, string> | null;
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);

/** Decodes a stored `release` value (base64 of an optionally gzipped JSON document). */
export function decodeRelease(encoded: string): StoredRelease {
  let bytes = Buffer.from(encoded, "base64");
  if (bytes.subarray(0, 3).equals(GZIP_MAGIC)) bytes = gunzipSync(bytes);
  const raw = bytes.toString("utf8");
  const parsed = JSON.parse(raw) as Omit<StoredRelease, "raw">;
  return { ...parsed, raw };
}

/** Encodes a release JSON document the way Helm stores it (gzip, then base64). */
export function encodeRelease(json: string): string {
  return gzipSync(Buffer.from(json, "utf8")).toString("base64");
}

/** `sha256:<hex>` of a stored release document (helm-controller's snapshot digest). */
export function releaseDigest(release: Pick<StoredRelease, "raw">): string {
  return `sha256:${createHash("sha256").update(release.raw).digest("hex")}`;
}

/** Name of the Secret holding version `version` of release `name` (`sh.helm.release.v1.<name>.v<version>`). */
export function releaseSecretName(name: string, version: number): string {
  return `sh.helm.release.v1.${name}.v${version}`;
}

/**
 * Reads version `version` of release `name` from its storage Secret in `namespace`; undefined when the Secret
 * does not exist or holds no release. API errors other than not-found are thrown.
 */
export async function getStoredRelease(
  client: Pick<KubeClient, "getOptional">,
  namespace: string,
  name: string,
  version: number,
): Promise<StoredRelease | undefined> {
  const secret = await client.getOptional<SecretObject>({
    apiVersion: "v1",
    kind: "Secret",
    namespace,
    name: releaseSecretName(name, version),
  });
  const data = secret?.data?.["release"];
  // The Secret's own base64 wraps Helm's.
  return data ? decodeRelease(Buffer.from(data, "base64").toString("utf8")) : undefined;
}

/** Reads every stored version of release `name` in `namespace`, newest first. */
export async function listReleaseVersions(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<StoredRelease[]> {
  const list = await client.list<SecretObject>("v1", "Secret", {
    namespace,
    labelSelector: `owner=helm,name=${name}`,
  });
  const out: StoredRelease[] = [];
  for (const secret of list.items) {
    if (secret.type !== "helm.sh/release.v1") continue;
    const data = secret.data?.["release"];
    if (!data) continue;
    out.push(decodeRelease(Buffer.from(data, "base64").toString("utf8")));
  }
  return out.sort((a, b) => b.version - a.version);
}

/**
 * Marks a release left `pending-*` (a helm process killed mid-operation) as `failed`, as helm-controller
 * unlocks a locked release, so the next upgrade or rollback is not refused.
 */
export async function markReleaseFailed(client: KubeClient, release: StoredRelease, description: string) {
  const doc = JSON.parse(release.raw) as { info: Record<string, unknown> };
  doc.info["status"] = "failed";
  doc.info["description"] = description;
  const name = releaseSecretName(release.name, release.version);
  const value = Buffer.from(encodeRelease(JSON.stringify(doc)), "utf8").toString("base64");
  await client.patch(
    { apiVersion: "v1", kind: "Secret", namespace: release.namespace, name },
    { metadata: { labels: { status: "failed" } }, data: { release: value } },
    { type: "application/merge-patch+json" },
  );
}
