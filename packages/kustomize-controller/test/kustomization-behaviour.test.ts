import type { UnstructuredObject } from "@sluice/runtime";
import { ensureNamespace } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appliedRevision,
  commitAndPush,
  conditionOf,
  createGitRepository,
  createKustomization,
  getKustomization,
  KUSTOMIZE_API,
  type KustomizeEnv,
  patchKustomization,
  requestReconcile,
  startKustomizeEnv,
  waitForKustomization,
  waitForObject,
} from "./support/env.js";

const NS = "team";

const configMap = (name: string, data: Record<string, string>, extra = "") =>
  `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
${extra}data:
${Object.entries(data)
  .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
  .join("\n")}
`;

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
    listKind: WidgetList
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size:
                  type: integer
`;

const widget = `apiVersion: example.com/v1
kind: Widget
metadata:
  name: gadget
  namespace: ${NS}
spec:
  size: 3
`;

const deployment = (name: string, replicas: number, tier = "web") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${NS}
  labels:
    tier: ${JSON.stringify(tier)}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
        - name: app
          image: nginx:1.25
`;

describe("Kustomization behaviour against the API server", () => {
  let env: KustomizeEnv;
  let sha: string;
  /** The commit the source serves now. */
  const head = () => env.repo.git(["rev-parse", "HEAD"]);

  beforeAll(async () => {
    env = await startKustomizeEnv(NS);
    await ensureNamespace(env.client, "other");
    sha = await commitAndPush(env, {
      "crds/crd.yaml": crd,
      "crds/widget.yaml": widget,
      "good-then-bad/config.yaml": configMap("stable", { state: "v1" }, `  namespace: ${NS}\n`),
      "first/config.yaml": configMap("first", { order: "1" }, `  namespace: ${NS}\n`),
      "second/config.yaml": configMap("second", { order: "2" }, `  namespace: ${NS}\n`),
      "rollout/deployment.yaml": deployment("rolling", 2),
      "checked/deployment.yaml": deployment("checked", 1),
      "guards/kept.yaml": configMap(
        "kept",
        { a: "1" },
        "  annotations:\n    kustomize.toolkit.fluxcd.io/prune: disabled\n",
      ),
      "guards/gone.yaml": configMap("gone", { a: "1" }),
      "subst/config.yaml": configMap("greeting", {
        text: "${greeting} ${name:=world}",
        secret: "${password}",
        literal: "$${kept}",
      }),
      "strict/config.yaml": configMap("strict", { text: "${declared} ${undeclared}" }, `  namespace: ${NS}\n`),
      "subst/optout.yaml": configMap(
        "raw",
        { text: "${greeting}" },
        "  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n",
      ),
      "cel/config.yaml": configMap("health", { state: "broken" }, `  namespace: ${NS}\n`),
      "overrides/app/deployment.yaml": deployment("api", 1).replace(`  namespace: ${NS}\n`, ""),
      "overrides/components/debug/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
configMapGenerator:
  - name: debug
    literals:
      - DEBUG=true
    options:
      disableNameSuffixHash: true
`,
      "suspended/config.yaml": configMap("paused", { v: "1" }, `  namespace: ${NS}\n`),
      "typed/config.yaml": configMap("typed-config", { a: "1" }, `  namespace: ${NS}\n`),
      "typed/web.yaml": deployment("typed-web", 1),
      "typed/bad.yaml": deployment("typed-bad", 1).replace("replicas: 1", 'replicas: "three"'),
      "ports/config.yaml": configMap("ports-config", { a: "1" }, `  namespace: ${NS}\n`),
      "ports/bad.yaml": deployment("ports-bad", 1).replace(
        "image: nginx:1.25",
        "image: nginx:1.25\n          ports:\n            - containerPort: 99999",
      ),
    });
    await createGitRepository(env);
  }, 120_000);
  afterAll(async () => env?.stop(), 30_000);

  it("applies a CRD and a custom resource of it in one reconcile", async () => {
    await createKustomization(env, "crds", { path: "./crds" });
    const k = await waitForKustomization(env, "crds", appliedRevision(sha), "CRD and CR applied");
    expect(k.status?.inventory?.entries).toEqual(
      expect.arrayContaining([
        { id: "_widgets.example.com_apiextensions.k8s.io_CustomResourceDefinition", v: "v1" },
        { id: `${NS}_gadget_example.com_Widget`, v: "v1" },
      ]),
    );
    const cr = await env.client.get<UnstructuredObject>({
      apiVersion: "example.com/v1",
      kind: "Widget",
      namespace: NS,
      name: "gadget",
    });
    expect(cr["spec"]).toEqual({ size: 3 });
    // One successful reconcile did it (history counts reconciliations of this digest).
    expect(k.status?.history?.[0]?.totalReconciliations).toBe(1);
  });

  it("a bad manifest applies nothing, names the culprit and keeps the last good revision and inventory", async () => {
    await createKustomization(env, "good-then-bad", { path: "./good-then-bad" });
    const good = await waitForKustomization(
      env,
      "good-then-bad",
      appliedRevision(await head()),
      "good revision applied",
    );
    const bad = await commitAndPush(env, {
      "good-then-bad/config.yaml": configMap("stable", { state: "v2" }, `  namespace: ${NS}\n`),
      "good-then-bad/deployment.yaml": deployment("broken", 1, "front end!"),
    });
    const k = await waitForKustomization(
      env,
      "good-then-bad",
      (o) => conditionOf(o, "Ready")?.status === "False" && (o.status?.lastAttemptedRevision ?? "").endsWith(bad),
      "bad revision refused",
    );
    const ready = conditionOf(k, "Ready");
    expect(ready?.reason).toBe("ReconciliationFailed");
    expect(ready?.message).toContain(`Deployment/${NS}/broken`);
    expect(ready?.message).toContain("metadata.labels");
    expect(k.status?.lastAppliedRevision).toBe(good.status?.lastAppliedRevision);
    expect(k.status?.inventory).toEqual(good.status?.inventory);
    expect(k.status?.history?.[0]?.lastReconciledStatus).toBe("ReconciliationFailed");
    // Nothing of the bad revision was applied: the valid ConfigMap change did not go in either.
    const cm = await env.client.get<UnstructuredObject>({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: NS,
      name: "stable",
    });
    expect(cm["data"]).toEqual({ state: "v1" });
    const broken = await env.client.getOptional({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: NS,
      name: "broken",
    });
    expect(broken).toBeUndefined();
    const warning = env.sink.events.find(
      (e) =>
        e.involvedObject.name === "good-then-bad" && e.severity === "error" && e.message.includes("metadata.labels"),
    );
    expect(warning?.reason).toBe("ReconciliationFailed");
    expect(warning?.metadata?.["kustomize.toolkit.fluxcd.io/revision"]).toContain(bad);
  }, 90_000);

  it("a built-in object the API server refuses (wrong type, invalid field) fails the whole set, naming object and field", async () => {
    await createKustomization(env, "typed", { path: "./typed" });
    await createKustomization(env, "ports", { path: "./ports" });
    const typed = await waitForKustomization(
      env,
      "typed",
      (o) => conditionOf(o, "Ready")?.status === "False" && (o.status?.lastAttemptedRevision ?? "") !== "",
      "wrong type refused",
    );
    const typedMessage = conditionOf(typed, "Ready")?.message ?? "";
    expect(typedMessage).toContain(`Deployment/${NS}/typed-bad`);
    expect(typedMessage).toContain(".spec.replicas: expected numeric (int or float), got string");
    const ports = await waitForKustomization(
      env,
      "ports",
      (o) => conditionOf(o, "Ready")?.status === "False" && (o.status?.lastAttemptedRevision ?? "") !== "",
      "invalid port refused",
    );
    const portsMessage = conditionOf(ports, "Ready")?.message ?? "";
    expect(portsMessage).toContain(`Deployment/${NS}/ports-bad`);
    expect(portsMessage).toContain(
      "spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 99999: must be between 1 and 65535, inclusive",
    );
    // The whole-set dry-run refused the revision: none of its objects, valid ones included, was created.
    for (const [kind, apiVersion, name] of [
      ["ConfigMap", "v1", "typed-config"],
      ["Deployment", "apps/v1", "typed-web"],
      ["Deployment", "apps/v1", "typed-bad"],
      ["ConfigMap", "v1", "ports-config"],
      ["Deployment", "apps/v1", "ports-bad"],
    ] as const) {
      expect(await env.client.getOptional({ apiVersion, kind, namespace: NS, name })).toBeUndefined();
    }
    expect(typed.status?.inventory?.entries ?? []).toEqual([]);
  }, 90_000);

  it("dependsOn: waits for the dependency to be Ready before applying", async () => {
    await createKustomization(env, "second", { path: "./second", dependsOn: [{ name: "first" }] });
    const waiting = await waitForKustomization(
      env,
      "second",
      (o) => conditionOf(o, "Ready")?.reason === "DependencyNotReady",
      "waiting for first",
    );
    expect(conditionOf(waiting, "Ready")?.message).toBe(`dependency '${NS}/first' not found`);
    expect(
      await env.client.getOptional({ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "second" }),
    ).toBeUndefined();

    await createKustomization(env, "first", { path: "./first" });
    const first = await waitForKustomization(env, "first", appliedRevision(await head()), "first applied");
    const second = await waitForKustomization(
      env,
      "second",
      appliedRevision(await head()),
      "second applied after first",
    );
    const firstReady = Date.parse(conditionOf(first, "Ready")?.lastTransitionTime ?? "");
    const secondReady = Date.parse(conditionOf(second, "Ready")?.lastTransitionTime ?? "");
    expect(secondReady).toBeGreaterThanOrEqual(firstReady);
    const dependencyEvent = env.sink.events.find(
      (e) => e.involvedObject.name === "second" && e.message.startsWith("Dependencies do not meet ready condition"),
    );
    expect(dependencyEvent).toBeDefined();
  }, 90_000);

  it("health: Ready only after the Deployment rolled out (wait: true)", async () => {
    await createKustomization(env, "rollout", { path: "./rollout", wait: true });
    const k = await waitForKustomization(
      env,
      "rollout",
      (o) => conditionOf(o, "Ready")?.status === "True" || conditionOf(o, "Healthy")?.status === "True",
      "healthy",
    );
    const dep = await env.client.get<UnstructuredObject>({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: NS,
      name: "rolling",
    });
    const status = dep["status"] as {
      availableReplicas?: number;
      updatedReplicas?: number;
      observedGeneration?: number;
    };
    expect(status.availableReplicas).toBe(2);
    expect(status.updatedReplicas).toBe(2);
    expect(conditionOf(k, "Healthy")).toMatchObject({ status: "True", reason: "Succeeded" });
    expect(conditionOf(k, "Healthy")?.message).toMatch(/^Health check passed in /);
  });

  it("health: healthChecks lists the objects to check; a missing one fails after the timeout naming it", async () => {
    await createKustomization(env, "checked", {
      path: "./checked",
      timeout: "30s",
      healthChecks: [
        { apiVersion: "apps/v1", kind: "Deployment", name: "checked", namespace: NS },
        { apiVersion: "apps/v1", kind: "Deployment", name: "not-deployed", namespace: NS },
      ],
    });
    const k = await waitForKustomization(
      env,
      "checked",
      (o) => conditionOf(o, "Ready")?.reason === "HealthCheckFailed",
      "health check failed",
      90_000,
    );
    const message = conditionOf(k, "Ready")?.message ?? "";
    expect(message).toMatch(/^health check failed after \S+: timeout waiting for: \[/);
    expect(message).toContain(`Deployment/${NS}/not-deployed status: 'NotFound'`);
    expect(message).not.toContain(`Deployment/${NS}/checked status`);
    expect(conditionOf(k, "Healthy")?.reason).toBe("HealthCheckFailed");
  }, 120_000);

  it("health: a CEL healthCheckExpr reporting failure fails the reconcile with HealthCheckFailed", async () => {
    await createKustomization(env, "cel", {
      path: "./cel",
      wait: true,
      healthCheckExprs: [
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          current: "self.data.state == 'ok'",
          failed: "self.data.state == 'broken'",
        },
      ],
    });
    const k = await waitForKustomization(
      env,
      "cel",
      (o) => conditionOf(o, "Ready")?.reason === "HealthCheckFailed",
      "health check failed",
    );
    expect(conditionOf(k, "Healthy")).toMatchObject({ status: "False", reason: "HealthCheckFailed" });
    expect(conditionOf(k, "Ready")?.message).toContain(`ConfigMap/${NS}/health status: 'Failed'`);

    await patchKustomization(env, "cel", {
      healthCheckExprs: [{ apiVersion: "v1", kind: "ConfigMap", current: "self.data.state == 'broken'" }],
    });
    await waitForKustomization(env, "cel", appliedRevision(await head()), "healthy with the new expression");
  }, 90_000);

  it("an invalid CEL expression stalls the Kustomization", async () => {
    await createKustomization(env, "cel-bad", {
      path: "./cel",
      healthCheckExprs: [{ apiVersion: "v1", kind: "ConfigMap", current: "self.data.state ==" }],
    });
    const k = await waitForKustomization(
      env,
      "cel-bad",
      (o) => conditionOf(o, "Stalled")?.status === "True",
      "stalled",
    );
    expect(conditionOf(k, "Ready")).toMatchObject({ status: "False", reason: "InvalidCELExpression" });
    expect(k.status?.observedGeneration).toBe(k.metadata.generation);
  });

  it("prune guards: objects with prune disabled are kept when they leave Git", async () => {
    await createKustomization(env, "guards", { path: "./guards", targetNamespace: NS });
    await waitForKustomization(env, "guards", appliedRevision(await head()), "guards applied");
    const removed = await commitAndPush(env, {}, "remove guarded objects", ["guards/kept.yaml", "guards/gone.yaml"]);
    await commitAndPush(env, { "guards/placeholder.yaml": configMap("placeholder", { a: "1" }) }, "placeholder");
    const latest = await head();
    expect(latest).not.toBe(removed);
    const k = await waitForKustomization(env, "guards", appliedRevision(latest), "new revision applied");
    expect(k.status?.inventory?.entries.map((e) => e.id)).toEqual([`${NS}_placeholder__ConfigMap`]);
    await waitForObject(
      env,
      { apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "gone" },
      (o) => o === undefined,
      "gone pruned",
    );
    const kept = await env.client.getOptional({ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "kept" });
    expect(kept).toBeDefined();
  }, 90_000);

  it("postBuild substitution (inline, substituteFrom, defaults, opt-out) and targetNamespace end to end", async () => {
    await env.client.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { namespace: NS, name: "vars" },
      data: { password: Buffer.from("s3cret").toString("base64") },
    });
    await createKustomization(env, "subst", {
      path: "./subst",
      targetNamespace: "other",
      postBuild: {
        substitute: { greeting: "hello" },
        substituteFrom: [
          { kind: "Secret", name: "vars" },
          { kind: "ConfigMap", name: "not-there", optional: true },
        ],
      },
    });
    const k = await waitForKustomization(env, "subst", appliedRevision(await head()), "subst applied");
    expect(k.status?.inventory?.entries.map((e) => e.id).sort()).toEqual([
      "other_greeting__ConfigMap",
      "other_raw__ConfigMap",
    ]);
    const cm = await env.client.get<UnstructuredObject>({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: "other",
      name: "greeting",
    });
    expect(cm["data"]).toEqual({ text: "hello world", secret: "s3cret", literal: "${kept}" });
    const raw = await env.client.get<UnstructuredObject>({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: "other",
      name: "raw",
    });
    expect(raw["data"]).toEqual({ text: "${greeting}" });
  });

  it("StrictPostBuildSubstitutions is on by default, as in Flux: an unset variable without default fails the build", async () => {
    await createKustomization(env, "subst-strict", {
      path: "./strict",
      postBuild: { substitute: { declared: "yes" } },
    });
    const k = await waitForKustomization(
      env,
      "subst-strict",
      (o) => conditionOf(o, "Ready")?.reason === "BuildFailed",
      "build failed",
    );
    expect(conditionOf(k, "Ready")?.message).toContain('variable not set (strict mode): "undeclared"');
    const cm = await env.client.getOptional({ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "strict" });
    expect(cm).toBeUndefined();
  });

  it("a missing required substituteFrom object fails the build", async () => {
    await createKustomization(env, "subst-missing", {
      path: "./subst",
      targetNamespace: "other",
      postBuild: { substituteFrom: [{ kind: "ConfigMap", name: "absent" }] },
    });
    const k = await waitForKustomization(
      env,
      "subst-missing",
      (o) => conditionOf(o, "Ready")?.reason === "BuildFailed",
      "build failed",
    );
    expect(conditionOf(k, "Ready")?.message).toContain("ConfigMap/absent");
  });

  it("suspend: a suspended Kustomization does not apply new revisions", async () => {
    await createKustomization(env, "suspended", { path: "./suspended" });
    const before = await waitForKustomization(
      env,
      "suspended",
      (o) => (o.status?.lastAppliedRevision ?? "") !== "" && conditionOf(o, "Ready")?.status === "True",
      "applied",
    );
    await patchKustomization(env, "suspended", { suspend: true });
    await waitForKustomization(
      env,
      "suspended",
      (o) => o.status?.observedGeneration !== undefined && o.metadata.generation === 2,
      "suspend seen",
    );
    const next = await commitAndPush(env, {
      "overrides/app/deployment.yaml": deployment("api", 1).replace(`  namespace: ${NS}\n`, ""),
      "overrides/components/debug/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
configMapGenerator:
  - name: debug
    literals:
      - DEBUG=true
    options:
      disableNameSuffixHash: true
`,
      "suspended/config.yaml": configMap("paused", { v: "2" }, `  namespace: ${NS}\n`),
    });
    // The source has the new revision and other Kustomizations of it move on.
    await waitForKustomization(env, "first", appliedRevision(next), "first at the new revision");
    const at = await requestReconcile(env, "suspended");
    await waitForKustomization(env, "suspended", (o) => o.status?.lastHandledReconcileAt === at, "request handled");
    const k = await getKustomization(env, "suspended");
    expect(k?.status?.lastAppliedRevision).toBe(before.status?.lastAppliedRevision);
    const cm = await env.client.get<UnstructuredObject>({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: NS,
      name: "paused",
    });
    expect(cm["data"]).toEqual({ v: "1" });

    await patchKustomization(env, "suspended", { suspend: false });
    await waitForKustomization(env, "suspended", appliedRevision(next), "resumed and applied");
    const after = await env.client.get<UnstructuredObject>({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: NS,
      name: "paused",
    });
    expect(after["data"]).toEqual({ v: "2" });
  }, 90_000);

  it("deleting a Kustomization with prune deletes its objects (MirrorPrune); Orphan keeps them", async () => {
    await env.client.delete({ apiVersion: KUSTOMIZE_API, kind: "Kustomization", namespace: NS, name: "first" });
    await waitForObject(
      env,
      { apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "first" },
      (o) => o === undefined,
      "first's objects deleted",
    );
    await waitForKustomization(env, "first", () => false, "", 1).catch(() => undefined);
    expect(await getKustomization(env, "first")).toBeUndefined();

    await patchKustomization(env, "crds", { deletionPolicy: "Orphan" });
    await env.client.delete({ apiVersion: KUSTOMIZE_API, kind: "Kustomization", namespace: NS, name: "crds" });
    for (let i = 0; i < 200 && (await getKustomization(env, "crds")); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await getKustomization(env, "crds")).toBeUndefined();
    expect(
      await env.client.getOptional({ apiVersion: "example.com/v1", kind: "Widget", namespace: NS, name: "gadget" }),
    ).toBeDefined();
  }, 90_000);

  it("spec overrides: images, patches, namePrefix, commonMetadata and components", async () => {
    await createKustomization(env, "overrides", {
      path: "./overrides/app",
      targetNamespace: "other",
      namePrefix: "team-",
      images: [{ name: "nginx", newName: "registry.example.com/nginx", newTag: "1.27.1" }],
      patches: [
        {
          target: { kind: "Deployment", name: "api" },
          patch: "- op: replace\n  path: /spec/replicas\n  value: 2\n",
        },
      ],
      commonMetadata: { labels: { team: "platform" }, annotations: { owner: "sre" } },
      components: ["../components/debug"],
    });
    const k = await waitForKustomization(env, "overrides", appliedRevision(await head()), "overrides applied");
    expect(k.status?.inventory?.entries.map((e) => e.id).sort()).toEqual([
      "other_team-api_apps_Deployment",
      "other_team-debug__ConfigMap",
    ]);
    const dep = await env.client.get<UnstructuredObject>({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: "other",
      name: "team-api",
    });
    const spec = dep["spec"] as { replicas: number; template: { spec: { containers: { image: string }[] } } };
    expect(spec.replicas).toBe(2);
    expect(spec.template.spec.containers[0]?.image).toBe("registry.example.com/nginx:1.27.1");
    expect(dep.metadata.labels).toMatchObject({ team: "platform", "kustomize.toolkit.fluxcd.io/name": "overrides" });
    expect(dep.metadata.annotations).toMatchObject({ owner: "sre" });
    const debug = await env.client.get<UnstructuredObject>({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: "other",
      name: "team-debug",
    });
    expect(debug["data"]).toEqual({ DEBUG: "true" });
  });
});
