// The providers: one file each behind the table in factory.ts.

export { eventJson } from "./event-text.js";
export * from "./factory.js";
export { NOTIFICATION_HEADER } from "./generic.js";
export { parseGitAddress, parseRevision, splitCamelCase } from "./git-helpers.js";
export { closeDispatchers, originOf, type PostOptions, postMessage } from "./http-post.js";
export * from "./notifier.js";
