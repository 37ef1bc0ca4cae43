// What an image-automation integration test runs against: testkit's Git smart-HTTP server (basic auth)
// with a fixture repository, the embedded API server with the chart's image and source CRDs, a GitRepository
// and its auth Secret, ImagePolicies whose status the test sets, an event sink, and the controller. A `git`
// shim first on PATH logs every git command line, so tests can prove credentials never reach argv.

import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Condition, ImageRef } from "@sluice/api";
import type { UnstructuredObject } from "@sluice/runtime";
import {
  type ApiCluster,
  applyChartCrds,
  createFixtureRepo,
  type EventSink,
  ensureNamespace,
  type FixtureRepo,
  type GitHttpServer,
  startApiCluster,
  startEventSink,
  startGitHttpServer,
} from "@sluice/testkit";
import { pino } from "pino";
import { createImageAutomationController, type ImageAutomationController } from "../../src/index.js";

export const IMAGE_API = "image.toolkit.fluxcd.io/v1";
export const SOURCE_API = "source.toolkit.fluxcd.io/v1";
export const gitAuth = { username: "bot", password: "s3cret-Pa55" };

/** A running environment. */
export interface AutomationEnv {
  repo: FixtureRepo;
  server: GitHttpServer;
  cluster: ApiCluster;
  sink: EventSink;
  namespace: string;
  controller: ImageAutomationController;
  /** Every git command line run so far (from the PATH shim). */
  gitCommandLines(): Promise<string>;
  stop(): Promise<void>;
}

/** Puts a `git` shim logging its arguments first on PATH (once per process). */
async function installGitShim(dir: string): Promise<string> {
  const bin = join(dir, "bin");
  const log = join(dir, "git-argv.log");
  await mkdir(bin, { recursive: true });
  const real = "/usr/bin/git";
  await writeFile(join(bin, "git"), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec ${real} "$@"\n`);
  await chmod(join(bin, "git"), 0o755);
  await writeFile(log, "");
  process.env["PATH"] = `${bin}:${process.env["PATH"] ?? ""}`;
  return log;
}

/** Starts everything; the fixture repository `fleet` holds `files` on branch `main`. */
export async function startAutomationEnv(work: string, files: Record<string, string>, namespace = "flux-system") {
  const argvLog = await installGitShim(work);
  const repo = await createFixtureRepo(join(work, "repos"), "fleet", "main");
  await repo.commit(files, "initial");
  await repo.push();
  const server = await startGitHttpServer({ root: join(work, "repos"), auth: { type: "basic", ...gitAuth } });
  const sink = await startEventSink();
  const cluster = await startApiCluster();
  await applyChartCrds(cluster.client, "image.toolkit.fluxcd.io_");
  await applyChartCrds(cluster.client, "source.toolkit.fluxcd.io_gitrepositories");
  await ensureNamespace(cluster.client, namespace);
  await cluster.client.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { namespace, name: "git-auth" },
    data: {
      username: Buffer.from(gitAuth.username).toString("base64"),
      password: Buffer.from(gitAuth.password).toString("base64"),
    },
  } as UnstructuredObject);
  await cluster.client.create({
    apiVersion: SOURCE_API,
    kind: "GitRepository",
    metadata: { namespace, name: "fleet" },
    spec: { url: server.url("fleet.git"), interval: "1h", ref: { branch: "main" }, secretRef: { name: "git-auth" } },
  } as UnstructuredObject);
  const controller = createImageAutomationController({
    kubeConfig: cluster.kubeConfig,
    metricsAddr: "127.0.0.1:0",
    healthAddr: "127.0.0.1:0",
    eventsAddr: sink.url,
    concurrency: 2,
    retryDelay: { min: 200, max: 2_000 },
    rateLimit: false,
    logger: pino({ level: "silent" }),
  });
  const abort = new AbortController();
  const running = controller.start(abort.signal).catch(() => undefined);
  const env: AutomationEnv = {
    repo,
    server,
    cluster,
    sink,
    namespace,
    controller,
    gitCommandLines: () => readFile(argvLog, "utf8"),
    async stop() {
      abort.abort();
      await running;
      await cluster.stop();
      await sink.stop();
      await server.stop();
    },
  };
  return env;
}

/** Creates ImagePolicy `name` (pointing at an ImageRepository that needn't exist) and sets its latestRef. */
export async function setPolicy(
  env: AutomationEnv,
  name: string,
  latest: ImageRef,
  labels: Record<string, string> = {},
) {
  const ref = { apiVersion: IMAGE_API, kind: "ImagePolicy", namespace: env.namespace, name };
  if (!(await env.cluster.client.getOptional(ref))) {
    await env.cluster.client.create({
      apiVersion: IMAGE_API,
      kind: "ImagePolicy",
      metadata: { namespace: env.namespace, name, labels },
      spec: { imageRepositoryRef: { name }, policy: { semver: { range: ">=0.0.0" } } },
    } as UnstructuredObject);
  }
  await env.cluster.client.patchStatus(ref, { status: { latestRef: latest } });
}

/** Creates an ImageUpdateAutomation for the `fleet` GitRepository. */
export async function createAutomation(env: AutomationEnv, name: string, spec: Record<string, unknown> = {}) {
  await env.cluster.client.create({
    apiVersion: IMAGE_API,
    kind: "ImageUpdateAutomation",
    metadata: { namespace: env.namespace, name },
    spec: {
      sourceRef: { kind: "GitRepository", name: "fleet" },
      interval: "1h",
      git: { commit: { author: { name: "Flux Bot", email: "bot@example.com" } } },
      update: { strategy: "Setters", path: "./apps" },
      ...spec,
    },
  } as UnstructuredObject);
}

export interface AutomationObject {
  metadata: { generation?: number };
  status?: {
    conditions?: Condition[];
    observedGeneration?: number;
    lastPushCommit?: string;
    lastPushTime?: string;
    lastAutomationRunTime?: string;
    observedSourceRevision?: string;
    observedPolicies?: Record<string, ImageRef>;
  };
}

/** Polls automation `name` until `check` holds. */
export async function waitForAutomation(
  env: AutomationEnv,
  name: string,
  check: (obj: AutomationObject) => boolean,
  what: string,
  ms = 30_000,
): Promise<AutomationObject> {
  const deadline = Date.now() + ms;
  for (;;) {
    const last = await env.cluster.client.getOptional<AutomationObject & UnstructuredObject>({
      apiVersion: IMAGE_API,
      kind: "ImageUpdateAutomation",
      namespace: env.namespace,
      name,
    });
    if (last && check(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${name}: ${what}; status: ${JSON.stringify(last?.status)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The condition of `type`, if any. */
export function conditionOf(obj: AutomationObject, type: string): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** Sets `reconcile.fluxcd.io/requestedAt`. */
export async function requestReconcile(env: AutomationEnv, name: string): Promise<void> {
  await env.cluster.client.patch(
    { apiVersion: IMAGE_API, kind: "ImageUpdateAutomation", namespace: env.namespace, name },
    { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": new Date().toISOString() } } },
    { type: "application/merge-patch+json" },
  );
}
