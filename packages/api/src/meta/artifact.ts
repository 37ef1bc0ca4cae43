import { type Static, Type } from "@sinclair/typebox";
import { StringMap } from "./schema-helpers.js";

/** meta.Artifact: what a source produced, served over HTTP by the source-controller. */
export const ArtifactSchema = Type.Object(
  {
    path: Type.String({ description: "Path is the relative file path of the Artifact." }),
    url: Type.String({ description: "URL is the HTTP address of the Artifact as exposed by the controller." }),
    revision: Type.String({ description: "Revision is a human-readable identifier traceable in the origin source." }),
    digest: Type.String({
      pattern: "^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$",
      description: "Digest is the digest of the file in the form of '<algorithm>:<checksum>'.",
    }),
    lastUpdateTime: Type.String({ format: "date-time", description: "When the Artifact was last updated." }),
    size: Type.Optional(Type.Integer({ format: "int64", description: "Size is the number of bytes in the file." })),
    metadata: Type.Optional(StringMap({ description: "Metadata holds upstream information such as OCI annotations." })),
  },
  { description: "Artifact represents the output of a Source reconciliation." },
);

/** A source artifact (path, url, revision, digest, lastUpdateTime, size, metadata). */
export type Artifact = Static<typeof ArtifactSchema>;
