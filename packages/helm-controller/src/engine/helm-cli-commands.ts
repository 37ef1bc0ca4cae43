// The helm command lines helm-controller's actions map to (install, upgrade, test, rollback, uninstall), built
// from a HelmRelease's spec with helm-controller's defaults, and run through a HelmRunner.

import { type HelmRelease, helmReleaseMaxHistory, helmReleaseTimeoutMs, parseDuration } from "@sluice/api";
import type { HelmRunner } from "../internal/helm/index.js";
import { POST_RENDER_PLUGIN } from "../internal/postrender/post-render-plugin.js";
import type { ReleaseTarget } from "./release-engine.js";

/** A release target plus the post-rendering the generated helm plugin hands over to the controller. */
export interface HelmCommandTarget extends ReleaseTarget {
  /** Post-renders helm's manifests (kustomize post-renderers, commonMetadata, owner labels). */
  postRender?: ((manifests: string) => Promise<string>) | undefined;
}

function seconds(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))}s`;
}

function timeoutOf(hr: HelmRelease, own: string | undefined): number {
  return own ? parseDuration(own) : helmReleaseTimeoutMs(hr.spec);
}

function common(target: HelmCommandTarget, timeoutMs: number): string[] {
  const args = ["--namespace", target.namespace, "--timeout", seconds(timeoutMs)];
  if (target.impersonate) args.push("--kube-as-user", target.impersonate);
  return args;
}

function postRender(target: HelmCommandTarget): string[] {
  return target.postRender ? ["--post-renderer", POST_RENDER_PLUGIN, "--post-renderer-args", "{{post-render}}"] : [];
}

function files(values: string): Record<string, string> {
  return { "values.json": values };
}

function waitArgs(hr: HelmRelease, opts: { disableWait?: boolean; disableWaitForJobs?: boolean } | undefined) {
  if (opts?.disableWait) return ["--wait=hookOnly"];
  const strategy = hr.spec.waitStrategy?.name === "legacy" ? "legacy" : "watcher";
  return [`--wait=${strategy}`, ...(opts?.disableWaitForJobs ? [] : ["--wait-for-jobs"])];
}

/** The helm command lines of one HelmRelease's actions, run through a {@link HelmRunner}. */
export class HelmCommands {
  constructor(
    private readonly runner: HelmRunner,
    private readonly hr: HelmRelease,
    private readonly target: HelmCommandTarget,
  ) {}

  #run(args: string[], timeoutMs: number, extraFiles: Record<string, string> = {}): Promise<string> {
    return this.runner.run(args, this.target.kubeconfig, {
      files: extraFiles,
      // Only commands that render (install, upgrade) name the plugin; the others never ask.
      ...(this.target.postRender && args.includes("--post-renderer") ? { postRender: this.target.postRender } : {}),
      ...(this.target.signal ? { signal: this.target.signal } : {}),
      // Helm enforces --timeout per operation; the process gets a generous overall bound.
      timeoutMs: timeoutMs * 3 + 60_000,
    });
  }

  /** `helm install` with spec.install's options (crds policy, createNamespace, disable*, replace). */
  install(chartDir: string, valuesJson: string, skipCrds: boolean): Promise<string> {
    const o = this.hr.spec.install ?? {};
    const timeoutMs = timeoutOf(this.hr, o.timeout);
    const args = ["install", this.target.name, chartDir, ...common(this.target, timeoutMs)];
    args.push("--values", "{{file:values.json}}", ...waitArgs(this.hr, o), ...postRender(this.target));
    if (skipCrds) args.push("--skip-crds");
    if (o.createNamespace) args.push("--create-namespace");
    if (o.disableHooks) args.push("--no-hooks");
    if (o.disableOpenAPIValidation) args.push("--disable-openapi-validation");
    if (o.disableSchemaValidation) args.push("--skip-schema-validation");
    if (o.replace) args.push("--replace");
    if (!o.disableTakeOwnership) args.push("--take-ownership");
    if (o.serverSideApply === false) args.push("--server-side=false");
    return this.#run(args, timeoutMs, files(valuesJson));
  }

  /** `helm upgrade` with spec.upgrade's options (force, preserveValues, cleanupOnFail, disable*) and maxHistory. */
  upgrade(chartDir: string, valuesJson: string): Promise<string> {
    const o = this.hr.spec.upgrade ?? {};
    const timeoutMs = timeoutOf(this.hr, o.timeout);
    const args = ["upgrade", this.target.name, chartDir, ...common(this.target, timeoutMs)];
    args.push("--values", "{{file:values.json}}", ...waitArgs(this.hr, o), ...postRender(this.target));
    args.push("--history-max", String(helmReleaseMaxHistory(this.hr.spec)));
    if (o.force) args.push("--force-replace", "--server-side=false");
    else if (o.serverSideApply === "disabled") args.push("--server-side=false");
    else args.push("--server-side=true", "--force-conflicts");
    if (o.preserveValues) args.push("--reuse-values");
    else args.push("--reset-values");
    if (o.cleanupOnFail) args.push("--cleanup-on-fail");
    if (o.disableHooks) args.push("--no-hooks");
    if (o.disableOpenAPIValidation) args.push("--disable-openapi-validation");
    if (o.disableSchemaValidation) args.push("--skip-schema-validation");
    if (!o.disableTakeOwnership) args.push("--take-ownership");
    return this.#run(args, timeoutMs, files(valuesJson));
  }

  /** `helm test` with spec.test's timeout and filters. */
  test(): Promise<string> {
    const o = this.hr.spec.test ?? {};
    const timeoutMs = timeoutOf(this.hr, o.timeout);
    const args = ["test", this.target.name, ...common(this.target, timeoutMs)];
    for (const f of o.filters ?? []) args.push("--filter", `${f.exclude ? "!" : ""}name=${f.name}`);
    return this.#run(args, timeoutMs);
  }

  /** `helm rollback <version>` with spec.rollback's options and maxHistory. */
  rollback(version: number): Promise<string> {
    const o = this.hr.spec.rollback ?? {};
    const timeoutMs = timeoutOf(this.hr, o.timeout);
    const args = ["rollback", this.target.name, String(version), ...common(this.target, timeoutMs)];
    args.push(...waitArgs(this.hr, o), "--history-max", String(helmReleaseMaxHistory(this.hr.spec)));
    if (o.disableHooks) args.push("--no-hooks");
    if (o.force) args.push("--force-replace", "--server-side=false");
    else if (o.serverSideApply !== "disabled") args.push("--force-conflicts");
    if (o.cleanupOnFail) args.push("--cleanup-on-fail");
    return this.#run(args, timeoutMs);
  }

  /** `helm uninstall` with spec.uninstall's options (keepHistory, disableHooks, deletionPropagation, wait). */
  uninstall(): Promise<string> {
    const o = this.hr.spec.uninstall ?? {};
    const timeoutMs = timeoutOf(this.hr, o.timeout);
    const args = ["uninstall", this.target.name, ...common(this.target, timeoutMs)];
    args.push("--cascade", o.deletionPropagation ?? "background");
    if (o.keepHistory) args.push("--keep-history");
    if (o.disableHooks) args.push("--no-hooks");
    if (!o.disableWait) args.push("--wait=watcher");
    return this.#run(args, timeoutMs);
  }
}
