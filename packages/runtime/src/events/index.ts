export * from "./event-recorder.js";
export * from "./flux-event.js";
export * from "./kube-event-writer.js";
export * from "./redact.js";
export * from "./types.js";
export * from "./webhook-sender.js";
