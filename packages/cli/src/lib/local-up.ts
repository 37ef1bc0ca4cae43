// The `sluice up` running on this machine, when the command talks to its API server.

import { resolve } from "node:path";
import type { CommandContext } from "../context.js";
import { runningUp, type UpRecord } from "../up/up-registry.js";

/** The running `sluice up`'s record when the kubeconfig in use is its (or none was given and it is running). */
export function localUp(ctx: CommandContext): UpRecord | undefined {
  const up = runningUp(ctx.io.env);
  if (!up) return undefined;
  let path: string | undefined;
  try {
    path = ctx.kubeconfigPath();
  } catch {
    return undefined;
  }
  return path !== undefined && resolve(path) === resolve(up.kubeconfig) ? up : undefined;
}
