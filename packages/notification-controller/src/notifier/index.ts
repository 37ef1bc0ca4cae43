// The providers: one file each behind the table in factory.ts.

export * from "./factory.js";
export { closeDispatchers, originOf, postMessage, type PostOptions } from "./http-post.js";
export * from "./notifier.js";
export { NOTIFICATION_HEADER } from "./generic.js";
export { eventJson } from "./event-text.js";
export { parseGitAddress, parseRevision, splitCamelCase } from "./git-helpers.js";
