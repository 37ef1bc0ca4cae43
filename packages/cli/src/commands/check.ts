// `sluice check [--pre] [--health-url name=url]…`: the API server is reachable (and its version), the Flux
// CRDs are installed and established, and the controllers run — as Deployments in the namespace whose Pods
// are Running and ready (what `sluice install` creates; on the embedded API server, which runs no Pods, their
// simulated status, said as such) or, for a local `sluice up`, through the health addresses its banner prints.

import { COMPONENT_KINDS, CORE_KINDS } from "@sluice/api";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { Command } from "commander";
import type { CommandKit } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { errorMessage } from "../errors.js";
import {
  deploymentPodsHealth,
  deploymentStatusHealth,
  isEmbeddedApiServer,
  SIMULATED_WARNING,
} from "../lib/deployment-health.js";
import { localUp } from "../lib/local-up.js";
import { collect } from "../lib/manifest.js";
import { Progress } from "../lib/progress.js";
import { IN_PROCESS_MANAGED_BY } from "../up/controller-pods.js";
import { serverVersion } from "./version.js";

/** Label selecting the controllers' Deployments (flux's and sluice's). */
export const CONTROLLER_PART_OF = ["flux", "sluice"];

/** Registers `sluice check`. */
export function registerCheck(program: Command, kit: CommandKit): void {
  program
    .command("check")
    .description("Check requirements and installation")
    .option("--pre", "only run pre-installation checks")
    .option(
      "--health-url <name=url>",
      "check a controller by its health address instead of a Deployment, e.g. source-controller=http://127.0.0.1:9440 (as printed by 'sluice up'; can be repeated)",
      collect,
    )
    .action(
      kit.action(async (ctx, opts) => {
        const p = new Progress(ctx.io);
        let ok = await checkPrerequisites(ctx, p);
        if (!ok) return 1;
        if (opts["pre"]) {
          p.success("prerequisites checks passed");
          return 0;
        }
        p.action("checking controllers");
        let healthUrls = (opts["healthUrl"] as string[] | undefined) ?? [];
        const up = healthUrls.length === 0 ? localUp(ctx) : undefined;
        if (up) {
          // A local `sluice up`: its controllers by the health addresses it recorded.
          p.action(`found sluice up (pid ${up.pid}) serving ${up.server}`);
          healthUrls = up.controllers.filter((c) => c.health).map((c) => `${c.name}=${c.health}`);
        }
        ok = (await checkControllers(ctx, p, healthUrls)) && ok;
        p.action("checking crds");
        ok = (await checkCrds(ctx, p)) && ok;
        if (ok) p.success("all checks passed");
        else p.failure("check failed");
        return ok ? 0 : 1;
      }),
    );
}

async function checkPrerequisites(ctx: CommandContext, p: Progress): Promise<boolean> {
  p.action("checking prerequisites");
  try {
    p.success(`Kubernetes ${await serverVersion(ctx)}`);
    return true;
  } catch (err: unknown) {
    const server = ctx.kube().kubeConfig.getCurrentCluster()?.server ?? "(unknown)";
    p.failure(`API server ${server} not reachable: ${errorMessage(err)}`);
    return false;
  }
}

async function checkControllers(ctx: CommandContext, p: Progress, healthUrls: string[]): Promise<boolean> {
  let ok = true;
  const deployments = (
    await ctx.kube().list<UnstructuredObject>("apps/v1", "Deployment", {
      namespace: ctx.namespace,
      labelSelector: `app.kubernetes.io/part-of in (${CONTROLLER_PART_OF.join(",")})`,
    })
  ).items // `sluice up`'s controllers run in-process: their health addresses, when known, say more.
    .filter(
      (d) => healthUrls.length === 0 || d.metadata.labels?.["app.kubernetes.io/managed-by"] !== IN_PROCESS_MANAGED_BY,
    )
    .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  const simulated = deployments.length > 0 && (await isEmbeddedApiServer(ctx));
  if (simulated) p.warning(SIMULATED_WARNING);
  for (const d of deployments) {
    const spec = (d["spec"] ?? {}) as { template?: { spec?: { containers?: { image?: string }[] } } };
    const health = simulated ? deploymentStatusHealth(d) : await deploymentPodsHealth(ctx, d);
    if (health.ready) p.success(`${d.metadata.name}: deployment ready (${health.detail})`);
    else {
      p.failure(`${d.metadata.name}: deployment not ready (${health.detail})`);
      ok = false;
    }
    for (const c of spec.template?.spec?.containers ?? []) if (c.image) p.action(c.image);
  }
  for (const entry of healthUrls) {
    const eq = entry.indexOf("=");
    const name = eq > 0 ? entry.slice(0, eq) : entry;
    const url = (eq > 0 ? entry.slice(eq + 1) : entry).replace(/\/+$/, "");
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(Math.min(ctx.timeoutMs, 10_000)) });
      const body = (await res.text()).trim();
      if (res.ok) p.success(`${name}: ready (${url}/readyz)`);
      else {
        p.failure(`${name}: not ready (${url}/readyz answered ${res.status}${body ? `: ${body.split("\n")[0]}` : ""})`);
        ok = false;
      }
    } catch (err: unknown) {
      p.failure(`${name}: health address ${url} not reachable: ${errorMessage(err)}`);
      ok = false;
    }
  }
  if (deployments.length === 0 && healthUrls.length === 0) {
    p.failure(
      `no controller Deployments found in ${ctx.namespace} namespace (run 'sluice install', or pass --health-url for a local 'sluice up')`,
    );
    ok = false;
  }
  return ok;
}

async function checkCrds(ctx: CommandContext, p: Progress): Promise<boolean> {
  const crds = (await ctx.kube().list<UnstructuredObject>("apiextensions.k8s.io/v1", "CustomResourceDefinition")).items;
  const byName = new Map(crds.map((c) => [c.metadata.name ?? "", c]));
  let ok = true;
  // The core CRDs must be there; an optional component's (source-watcher's) only when it was installed.
  const optional = new Set(
    Object.values(COMPONENT_KINDS).flatMap((kinds) => kinds.map((k) => `${k.plural}.${k.group}`)),
  );
  const names = [...new Set([...CORE_KINDS.map((k) => `${k.plural}.${k.group}`), ...optional])].sort();
  for (const name of names) {
    const crd = byName.get(name);
    if (!crd && optional.has(name)) continue;
    if (!crd) {
      p.failure(`${name} not found`);
      ok = false;
      continue;
    }
    const status = (crd["status"] ?? {}) as {
      conditions?: { type: string; status: string }[];
      storedVersions?: string[];
    };
    const established = status.conditions?.some((c) => c.type === "Established" && c.status === "True");
    const versions = ((crd["spec"] as { versions?: { name: string; storage?: boolean }[] }).versions ?? [])
      .filter((v) => v.storage)
      .map((v) => v.name);
    if (established) p.success(`${name}/${versions.join(",")}`);
    else {
      p.failure(`${name} is not established`);
      ok = false;
    }
  }
  return ok;
}
