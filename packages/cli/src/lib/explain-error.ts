// Turns the API errors of the common set-up mistakes into one line naming the fix: a server that does not
// answer (is `sluice up` running?) and Flux's CRDs missing (install them).

import { ApiError, StatusReason } from "@sluice/runtime/kube";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";

/** Whether the error says the server does not serve a kind (its CRD is not installed). */
export function isKindNotServed(err: unknown): err is ApiError {
  return (
    err instanceof ApiError &&
    err.status === 404 &&
    (err.message.startsWith("Failed to fetch resource metadata") ||
      err.message.startsWith("the server does not serve kind"))
  );
}

/** The kind and group an undiscoverable-kind error is about (`… for group/version/Kind: …`). */
function kindOf(err: ApiError): string {
  const m = /for ([^:]+\/[A-Za-z]+):/.exec(err.message) ?? /kind (\S+) in (\S+)/.exec(err.message);
  if (!m) return "Flux";
  return m[2] ? `${m[1]} (${m[2]})` : m[1]!;
}

/** The message for a kind the server does not serve. */
export function crdMissingMessage(what: string): string {
  return `the ${what} CRD is not installed on this cluster: install Flux's CRDs with \`sluice install\` (or run \`sluice up\`), then retry`;
}

/** A CliError naming the fix when `err` is one of the common mistakes; otherwise `err` unchanged. */
export function explainError(ctx: CommandContext, err: unknown): unknown {
  if (err instanceof ApiError && err.status === 0 && err.reason === StatusReason.ConnectionFailed) {
    const server = ctx.serverUrl();
    let kubeconfig = "";
    try {
      kubeconfig = ctx.kubeconfigPath() ?? "the in-cluster config";
    } catch {
      kubeconfig = "the kubeconfig";
    }
    const cause = /(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN)/.exec(err.message)?.[1];
    return new CliError(
      `cannot reach the Kubernetes API server at ${server}${cause ? ` (${cause})` : ""}: is \`sluice up\` running? kubeconfig ${kubeconfig} points at ${server}`,
    );
  }
  if (isKindNotServed(err)) return new CliError(crdMissingMessage(kindOf(err)));
  return err;
}
