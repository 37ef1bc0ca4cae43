// The web UI of `sluice up`: @sluice/ui on loopback, reading with the session's kubeconfig; whoever logs in
// with that kubeconfig's token, or any token the API server authenticates (a ServiceAccount's, through a
// TokenReview), acts as that user through impersonation; everyone else reads.

import type { KubeConfig } from "@sluice/runtime/kube";
import type { Logger } from "@sluice/runtime/logging";

/** The UI's default port; when it is taken (and no port was asked for) any free port is used. */
export const DEFAULT_UI_PORT = 9400;

/** Where the UI serves and how to log in. */
export interface UiInfo {
  url: string;
  /** How to get the login token (never the token itself). */
  loginHint: string;
}

/** Options of {@link startUi}. */
export interface StartUiOptions {
  kubeConfig: KubeConfig;
  kubeconfigPath: string;
  /** Undefined: {@link DEFAULT_UI_PORT}, else any free port. */
  port?: number | undefined;
  logger: Logger;
  /** The controllers' log files (`<dir>/<controller>.log`) the object pages' log viewer reads. */
  logDir?: string | undefined;
  /** Repositories rollbacks may push revert commits to. */
  pushUrls?: readonly string[] | undefined;
}

/** Starts the UI server; fails with a message naming `--ui-port` when an asked-for port is taken. */
export async function startUi(options: StartUiOptions): Promise<{ info: UiInfo; stop: () => Promise<void> }> {
  const { startUiServer } = await import("@sluice/ui");
  const user = options.kubeConfig.getCurrentUser();
  const token = user?.token;
  const logins = token ? [{ token, name: user?.name ?? "sluice-admin", groups: ["system:masters"], canAct: true }] : [];
  const common = {
    kubeConfig: options.kubeConfig,
    logins,
    rollback: { pushUrls: options.pushUrls ?? [] },
    logs: { dir: options.logDir },
    // Any token the embedded API server authenticates (a ServiceAccount's) logs in as its user too.
    tokenReview: {},
    logger: options.logger.child({ component: "ui" }),
  };
  let server: Awaited<ReturnType<typeof startUiServer>>;
  try {
    server = await startUiServer({ ...common, port: options.port ?? DEFAULT_UI_PORT });
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
    if (options.port !== undefined)
      throw new Error(`--ui-port ${options.port}: 127.0.0.1:${options.port} is already in use`);
    server = await startUiServer({ ...common, port: 0 });
  }
  const loginHint = token
    ? `read-only until you log in with the token of ${options.kubeconfigPath} (kubectl config view --raw) or a ServiceAccount's (kubectl create token)`
    : "read-only (the kubeconfig has no token to log in with)";
  return { info: { url: server.url, loginHint }, stop: () => server.stop() };
}
