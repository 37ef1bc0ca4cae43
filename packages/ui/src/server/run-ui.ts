// `sluice-controller ui [flags]`: the UI server as its own process (the chart's optional `ui` Deployment).

import { readFile } from "node:fs/promises";
import type { Writable } from "node:stream";
import { flagUsage, parseFlagTable } from "@sluice/runtime/flags";
import { parseListenAddress } from "@sluice/runtime/http";
import { KubeConfig } from "@sluice/runtime/kube";
import { createLogger, parseLogEncoding, parseLogLevel } from "@sluice/runtime/logging";
import { parse as parseYaml } from "yaml";
import type { OidcOptions } from "./oidc.js";
import type { UiLogin } from "./sessions.js";
import { startUiServer } from "./ui-server.js";

const FLAGS = {
  "listen-address": { type: "string", default: ":9400", arg: "string", help: "address the UI serves on" },
  "allowed-host": {
    type: "string",
    multiple: true,
    arg: "string",
    help: "a Host header value the UI answers besides loopback names (repeatable; e.g. the Ingress host)",
  },
  "logins-file": {
    type: "string",
    arg: "file",
    help: "YAML list of logins ({token, user, groups, canAct}); without it the UI is read-only for everyone",
  },
  namespace: { type: "string", arg: "string", help: "watch this namespace only (default: all namespaces)" },
  "controllers-namespace": {
    type: "string",
    default: "flux-system",
    arg: "string",
    help: "namespace of the controller Pods whose logs (pods/log) the object pages show",
  },
  "secure-cookies": { type: "boolean", help: "mark the session cookie Secure (when served over HTTPS)" },
  "token-review": {
    type: "boolean",
    help: "also log in with any token the API server authenticates (TokenReview; needs system:auth-delegator)",
  },
  "oidc-issuer-url": { type: "string", arg: "url", help: "offer OIDC login with this issuer (needs --oidc-client-id)" },
  "oidc-client-id": { type: "string", arg: "string", help: "the UI's OIDC client id" },
  "oidc-client-secret-file": { type: "string", arg: "file", help: "file holding the UI's OIDC client secret" },
  "oidc-username-claim": {
    type: "string",
    default: "email",
    arg: "string",
    help: "ID token claim used as the user name",
  },
  "oidc-username-prefix": { type: "string", default: "", arg: "string", help: "prefix added to OIDC user names" },
  "oidc-groups-claim": { type: "string", default: "groups", arg: "string", help: "ID token claim holding the groups" },
  "oidc-groups-prefix": { type: "string", default: "", arg: "string", help: "prefix added to OIDC groups" },
  "base-url": {
    type: "string",
    arg: "url",
    help: "the UI's external URL (e.g. https://ui.example.com); OIDC redirects to <base-url>/api/oidc/callback",
  },
  kubeconfig: { type: "string", arg: "file", help: "kubeconfig (default: KUBECONFIG, ~/.kube/config or in-cluster)" },
  "log-level": { type: "string", default: "info", arg: "string", help: "trace, debug, info, warn or error" },
  "log-encoding": { type: "string", default: "json", arg: "string", help: "json or console" },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const;

/** The `--help` text. */
export const UI_USAGE = `Usage: sluice-controller ui [flags]

Serves Sluice's web UI: every Flux object live from one watch cache, read-only unless a user logs in.

Flags:
${flagUsage(FLAGS)}
`;

/** Error in a logins file, naming the file, the entry and the field. */
export class LoginsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LoginsFileError";
  }
}

/** Parses a logins file: a YAML list of `{token, user, groups?, canAct?}`. */
export function parseLogins(text: string, file: string): UiLogin[] {
  const doc = parseYaml(text) as unknown;
  if (!Array.isArray(doc)) throw new LoginsFileError(`${file}: want a YAML list of logins`);
  return doc.map((raw: unknown, i) => {
    const e = (raw ?? {}) as Record<string, unknown>;
    const where = `${file}: login ${i + 1}`;
    if (typeof e["token"] !== "string" || e["token"].length < 16) {
      throw new LoginsFileError(`${where}: token: want a string of at least 16 characters`);
    }
    if (typeof e["user"] !== "string" || e["user"] === "") throw new LoginsFileError(`${where}: user: required`);
    const groups = e["groups"] ?? [];
    if (!Array.isArray(groups) || groups.some((g) => typeof g !== "string")) {
      throw new LoginsFileError(`${where}: groups: want a list of strings`);
    }
    if (e["canAct"] !== undefined && typeof e["canAct"] !== "boolean") {
      throw new LoginsFileError(`${where}: canAct: want true or false`);
    }
    return { token: e["token"], name: e["user"], groups: groups as string[], canAct: e["canAct"] === true };
  });
}

/** The OIDC login the flags ask for, or undefined; the client secret is read from its file (never argv). */
async function oidcOptions(flags: Record<string, unknown>): Promise<OidcOptions | undefined> {
  const issuer = flags["oidc-issuer-url"] as string | undefined;
  if (!issuer) return undefined;
  const clientId = (flags["oidc-client-id"] as string | undefined) ?? "";
  const secretFile = flags["oidc-client-secret-file"] as string | undefined;
  return {
    issuer,
    clientId,
    clientSecret: secretFile ? (await readFile(secretFile, "utf8")).trim() : undefined,
    baseUrl: flags["base-url"] as string | undefined,
    usernameClaim: flags["oidc-username-claim"] as string,
    usernamePrefix: flags["oidc-username-prefix"] as string,
    groupsClaim: flags["oidc-groups-claim"] as string,
    groupsPrefix: flags["oidc-groups-prefix"] as string,
  };
}

/** Process-level inputs (the real process's by default). */
export interface RunUiOptions {
  signal?: AbortSignal;
  stdout?: Writable;
  stderr?: Writable;
  /** Called with the URL once serving. */
  onServing?: (url: string) => void;
}

/** Runs the UI until SIGTERM/SIGINT (or `signal`); resolves with the exit code (2: bad flags, 1: failure). */
export async function runUi(argv: readonly string[], options: RunUiOptions = {}): Promise<number> {
  const stderr = options.stderr ?? process.stderr;
  let flags: ReturnType<typeof parseFlagTable<typeof FLAGS>>;
  let address: ReturnType<typeof parseListenAddress>;
  let level: ReturnType<typeof parseLogLevel>;
  let encoding: ReturnType<typeof parseLogEncoding>;
  try {
    flags = parseFlagTable(argv, FLAGS);
    address = parseListenAddress(flags["listen-address"]);
    level = parseLogLevel(flags["log-level"]);
    encoding = parseLogEncoding(flags["log-encoding"]);
    if (flags["oidc-issuer-url"] && !flags["oidc-client-id"])
      throw new Error("--oidc-issuer-url needs --oidc-client-id");
  } catch (err: unknown) {
    stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${UI_USAGE}`);
    return 2;
  }
  if (flags.help) {
    (options.stdout ?? process.stdout).write(UI_USAGE);
    return 0;
  }
  const logger = await createLogger({ level, encoding, base: { controller: "ui" } });
  try {
    const file = flags["logins-file"];
    const logins = file ? parseLogins(await readFile(file, "utf8"), file) : [];
    const oidc = await oidcOptions(flags);
    const kubeConfig = new KubeConfig();
    if (flags.kubeconfig) kubeConfig.loadFromFile(flags.kubeconfig);
    else kubeConfig.loadFromDefault();
    const server = await startUiServer({
      kubeConfig,
      port: address.port,
      host: address.host ?? "0.0.0.0",
      allowedHosts: flags["allowed-host"] ?? [],
      logins,
      namespace: flags.namespace,
      logs: { namespace: flags["controllers-namespace"] },
      tokenReview: flags["token-review"] === true ? {} : undefined,
      oidc,
      secureCookies: flags["secure-cookies"] === true,
      logger,
    });
    logger.info({ url: server.url, logins: logins.length }, "UI serving");
    options.onServing?.(server.url);
    await new Promise<void>((resolve) => {
      if (options.signal) {
        if (options.signal.aborted) return resolve();
        options.signal.addEventListener("abort", () => resolve(), { once: true });
        return;
      }
      process.once("SIGTERM", () => resolve());
      process.once("SIGINT", () => resolve());
    });
    await server.stop();
    logger.info("UI stopped");
    return 0;
  } catch (err: unknown) {
    logger.error({ error: err }, "UI failed");
    return 1;
  }
}
