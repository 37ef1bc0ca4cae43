// The notification-controller's command line: the runtime's shared controller flags plus its own, with Flux's
// names and defaults. Unlike the other controllers, `--events-addr` is where this one listens for events
// (default :9090).

import { defineControllerFlags, flagDuration as duration, InvalidFlagError } from "@sluice/runtime/flags";
import { parseListenAddress } from "@sluice/runtime/http";
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_EVENTS_ADDR,
  DEFAULT_LEADER_ELECTION_ID,
  DEFAULT_RECEIVER_ADDR,
  WATCH_CONFIGS_SELECTOR,
} from "./controller.js";

/** Error for a flag value that can't be used (the message names the flag). */
export { InvalidFlagError };

const COMMAND_LINE = defineControllerFlags({
  name: "notification-controller",
  leaseName: DEFAULT_LEADER_ELECTION_ID,
  concurrency: DEFAULT_CONCURRENCY,
  concurrentHelp: "Receivers, Providers and Alerts reconciled at once",
  flags: {
    "events-addr": {
      type: "string",
      default: DEFAULT_EVENTS_ADDR,
      arg: "string",
      help: "address the event endpoint binds to",
    },
    receiverAddr: {
      type: "string",
      default: DEFAULT_RECEIVER_ADDR,
      arg: "string",
      help: "address the webhook receiver endpoint binds to",
    },
    "rate-limit-interval": {
      type: "string",
      default: "5m",
      arg: "dur",
      help: "identical events within it are dropped with 429",
    },
    "no-cross-namespace-refs": {
      type: "boolean",
      default: false,
      help: "refuse Alert sources and Receiver resources in other namespaces",
    },
    "watch-configs-label-selector": {
      type: "string",
      default: WATCH_CONFIGS_SELECTOR,
      arg: "string",
      help: "Secrets whose changes re-reconcile Receivers",
    },
    "export-http-path-metrics": {
      type: "boolean",
      default: false,
      help: "accepted for compatibility (metrics are labelled by handler)",
    },
    "feature-gates": {
      type: "string",
      default: "",
      arg: "string",
      help: "accepted for compatibility; no gates are known",
    },
  },
  options: (values) => {
    for (const flag of ["events-addr", "receiverAddr"] as const) {
      try {
        parseListenAddress(values[flag]);
      } catch {
        throw new InvalidFlagError(`invalid value "${values[flag]}" for --${flag}: expected [host]:port, e.g. :9090`);
      }
    }
    if (values["watch-configs-label-selector"] !== WATCH_CONFIGS_SELECTOR) {
      throw new InvalidFlagError(
        `invalid value "${values["watch-configs-label-selector"]}" for --watch-configs-label-selector: only ${WATCH_CONFIGS_SELECTOR} is supported`,
      );
    }
    return {
      eventsAddr: values["events-addr"],
      receiverAddr: values.receiverAddr,
      rateLimitIntervalMs: duration("rate-limit-interval", values["rate-limit-interval"]),
      noCrossNamespaceRefs: values["no-cross-namespace-refs"],
    };
  },
});

/** The usage text printed by `--help`. */
export const USAGE = COMMAND_LINE.usage;

/** What the command line configures: the options of `createNotificationController` plus process-level settings. */
export type NotificationControllerFlags = ReturnType<typeof parseNotificationControllerFlags>;

/**
 * Parses the notification-controller's flags (Flux's names, `--flag value` or `--flag=value`). Throws
 * {@link InvalidFlagError} (or node's parseArgs error for unknown flags) with a message naming the flag.
 */
export function parseNotificationControllerFlags(argv: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  return COMMAND_LINE.parse(argv, env);
}
