import type { KindDefinition } from "../../meta/kind.js";
import { AlertKind } from "./alert.js";
import { ProviderKind } from "./provider.js";
import { ReceiverKind } from "./receiver.js";

export * from "./alert.js";
export * from "./constants.js";
export * from "./cross-namespace-object-reference.js";
export * from "./notification-defaults.js";
export * from "./provider.js";
export * from "./receiver.js";
export * from "./receiver-webhook-path.js";

/** The kinds of notification.toolkit.fluxcd.io, in CRD generation order. */
export const NOTIFICATION_KINDS: readonly KindDefinition[] = [ProviderKind, AlertKind, ReceiverKind];
