// Public entry @sluice/source-controller/storage: the artifact storage and its HTTP file server, for other
// artifact producers (source-watcher's ExternalArtifacts) that store and serve artifacts as source-controller does.

export {
  ArtifactDigestMismatchError,
  ArtifactFileServer,
  type ArtifactFileServerOptions,
  ArtifactStorage,
  type ArtifactStorageOptions,
  type ArtifactTarget,
  advertisedAddress,
  artifactPath,
  joinHostPort,
  type ObjectKey,
  parseListenAddress,
  StorageError,
} from "./internal/storage/index.js";
export { artifactStorageFlags } from "./storage-flags.js";
