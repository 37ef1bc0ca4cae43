export { fetchIndex, IndexFetchError, type IndexFetchOptions, indexUrl, redactUrl } from "./fetch-index.js";
export { type CacheEventType, CacheRecorder, HelmIndexCache } from "./index-cache.js";
export {
  type IndexChartVersion,
  type IndexFile,
  InvalidIndexError,
  indexToJson,
  MAX_INDEX_SIZE,
  parseIndex,
  sortVersions,
} from "./index-file.js";
