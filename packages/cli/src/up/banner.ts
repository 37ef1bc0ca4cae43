// What `sluice up` prints once everything runs: where the API server, kubeconfig and every controller's
// servers are, a ready-to-paste kubectl line, and for the demo how to change what is deployed.

import type { ControllerName } from "./controllers.js";
import { AVAILABLE_CONTROLLERS } from "./controllers.js";
import type { UpSession } from "./up-session.js";

/** Quotes a path for a POSIX shell when it needs it. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function row(label: string, value: string): string {
  return `  ${label.padEnd(22)} ${value}`;
}

/** The line that tells a script or test that `sluice up` is ready. */
export const READY_LINE = "sluice is up; press Ctrl-C to stop";

/**
 * The lines printed once `session` runs, ending with {@link READY_LINE}. `kubectl` is how to call kubectl
 * (a bare `kubectl` when it is on PATH, else the bundled binary's path).
 */
export function bannerLines(session: UpSession, kubectl: string, requested: readonly ControllerName[]): string[] {
  const kc = shellQuote(session.kubeconfigPath);
  const lines: string[] = [];
  lines.push(
    row(
      "API server",
      `${session.apiUrl} (${session.embedded ? `embedded, ${session.persistent ? `state in ${session.stateDir}` : "state in memory"}` : "external cluster"})`,
    ),
  );
  lines.push(row("kubeconfig", session.kubeconfigPath));
  lines.push(row("try", `${shellQuote(kubectl)} --kubeconfig ${kc} get gitrepositories,kustomizations -A`));
  if (session.controllers.length === 0) lines.push(row("controllers", "none (API server only)"));
  for (const c of session.controllers) {
    const parts: string[] = [];
    if (c.addresses.artifacts) parts.push(`artifacts ${c.addresses.artifacts}`);
    if (c.addresses.metrics) parts.push(`metrics ${c.addresses.metrics}/metrics`);
    if (c.addresses.health) parts.push(`health ${c.addresses.health}/healthz`);
    lines.push(row(c.name, parts.join("  ")));
  }
  const accounts = [...session.identities.values()].map((u) => u.replace(/^system:serviceaccount:/, ""));
  if (accounts.length > 0) {
    lines.push(row("controller identities", `ServiceAccounts ${accounts.join(", ")} with the chart's RBAC`));
  }
  const notification = session.controllers.find((c) => c.name === "notification-controller");
  if (session.logDir) lines.push(row("logs", `${session.logDir}/<controller>.log (read with: sluice logs)`));
  lines.push(row("events", notification?.addresses.events ?? "none (notification-controller is not running)"));
  lines.push(row("receiver", notification?.addresses.receiver ?? "none (notification-controller is not running)"));
  const missing = [...AVAILABLE_CONTROLLERS.keys()].filter((n) => !requested.includes(n));
  if (missing.length > 0 && requested.length > 0) lines.push(row("not started", missing.join(", ")));
  if (session.ui) {
    lines.push(row("ui", session.ui.url));
    lines.push(row("ui login", session.ui.loginHint));
  }
  if (session.demo) {
    lines.push(row("demo repository", `${session.demo.repoUrl} (on disk: ${session.demo.repoPath})`));
    lines.push(row("demo objects", session.demo.objects.join(", ")));
    lines.push(
      row("change the demo", `git clone ${session.demo.repoUrl} && edit, commit and git push: Sluice applies it`),
    );
  }
  lines.push(READY_LINE);
  return lines;
}
