// The Sluice chart with the real helm: lint --strict, renders for default and non-default values, the values
// schema refusing mistakes, least-privilege RBAC, install/test/upgrade/uninstall into the embedded API server,
// and the packaged chart pushed to and pulled from an OCI registry (Debian's docker-registry).

import { execFile } from "node:child_process";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { resolveTool, type UnstructuredObject } from "@sluice/runtime";
import { hasDockerRegistry, type OciRegistry, startOciRegistry, tempDir } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { type EmbeddedCluster, startEmbeddedCluster } from "../support/embedded-cluster.js";

const CHART = join(import.meta.dirname, "../../charts/sluice");
/** The image's entry point, built (`pnpm build`): `sluice-controller <controller> [flags]`. */
const ENTRYPOINT = join(import.meta.dirname, "../../packages/controllers/dist/main.js");
const execFileAsync = promisify(execFile);

interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function helm(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<HelmResult> {
  try {
    const { stdout, stderr } = await execFileAsync(resolveTool("helm").path, args, {
      maxBuffer: 64 * 1024 * 1024,
      timeout: 300_000,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err: unknown) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

async function render(values: Record<string, unknown> = {}): Promise<UnstructuredObject[]> {
  const dir = await tempDir("sluice-chart-");
  try {
    const file = join(dir.path, "values.yaml");
    await writeFile(file, stringify(values));
    const r = await helm(["template", "sluice", CHART, "--namespace", "flux-system", "--values", file]);
    if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr}`);
    return parseAllDocuments(r.stdout)
      .map((d) => d.toJS() as UnstructuredObject | null)
      .filter((o): o is UnstructuredObject => o !== null);
  } finally {
    await dir.remove();
  }
}

const named = (objects: UnstructuredObject[], kind: string, name: string): UnstructuredObject => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} not rendered`);
  return found;
};

interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown> & {
    serviceAccountName: string;
    containers: {
      image: string;
      imagePullPolicy: string;
      args: string[];
      env: unknown[];
      resources?: unknown;
      securityContext: Record<string, unknown>;
      ports: { name: string; containerPort: number }[];
      readinessProbe: unknown;
      livenessProbe: unknown;
    }[];
  };
}
const podTemplate = (d: UnstructuredObject): PodTemplate => (d["spec"] as { template: PodTemplate }).template;

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
const rules = (objects: UnstructuredObject[], name: string): Rule[] =>
  named(objects, "ClusterRole", name)["rules"] as Rule[];

describe("charts/sluice", () => {
  it("passes helm lint --strict with the default and a non-default set of values", async () => {
    const lint = await helm(["lint", "--strict", CHART]);
    expect(lint.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
    expect(lint.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(lint.code).toBe(0);
    const set = [
      "notificationController.create=true",
      "imageReflectorController.create=true",
      "imageAutomationController.create=true",
      "multitenancy.enabled=true",
      "multitenancy.privileged=false",
      "prometheus.podMonitor.create=true",
      "grafana.dashboards.create=true",
      "namespace.create=true",
    ];
    const lint2 = await helm(["lint", "--strict", CHART, ...set.flatMap((s) => ["--set", s])]);
    expect(lint2.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(lint2.code).toBe(0);
  });

  it("renders a Deployment per controller with the controllers' real flags, probes and a locked-down container", async () => {
    const objects = await render();
    expect(objects.filter((o) => o.kind === "Deployment").map((o) => o.metadata.name)).toEqual([
      "helm-controller",
      "kustomize-controller",
      "notification-controller",
      "source-controller",
    ]);
    const source = podTemplate(named(objects, "Deployment", "source-controller"));
    const c = source.spec.containers[0]!;
    expect(c.image).toBe("ghcr.io/sluice-gitops/sluice:v0.1.0");
    expect(c.args).toEqual([
      "source-controller",
      "--events-addr=http://notification-controller.$(RUNTIME_NAMESPACE).svc.cluster.local./",
      "--watch-all-namespaces=true",
      "--log-level=info",
      "--log-encoding=json",
      "--enable-leader-election",
      "--concurrent=2",
      "--kube-api-qps=50",
      "--kube-api-burst=300",
      "--storage-path=/data",
      "--storage-adv-addr=source-controller.$(RUNTIME_NAMESPACE).svc.cluster.local.",
    ]);
    expect(c.env).toEqual([
      { name: "RUNTIME_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
    ]);
    expect(c.ports.map((p) => `${p.name}:${p.containerPort}`)).toEqual(["http:9090", "http-prom:8080", "healthz:9440"]);
    expect(c.readinessProbe).toEqual({ httpGet: { path: "/readyz", port: "healthz" } });
    expect(c.livenessProbe).toEqual({ httpGet: { path: "/healthz", port: "healthz" } });
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(source.spec.serviceAccountName).toBe("source-controller");
    expect(source.metadata.labels).toEqual({
      app: "source-controller",
      "app.kubernetes.io/component": "source-controller",
      "app.kubernetes.io/part-of": "sluice",
    });
    // Every controller but notification-controller posts its events to notification-controller's Service.
    for (const name of ["helm-controller", "kustomize-controller", "source-controller"]) {
      expect(podTemplate(named(objects, "Deployment", name)).spec.containers[0]!.args).toContain(
        "--events-addr=http://notification-controller.$(RUNTIME_NAMESPACE).svc.cluster.local./",
      );
    }
    expect(
      podTemplate(named(objects, "Deployment", "notification-controller")).spec.containers[0]!.args.join(" "),
    ).not.toContain("--events-addr");
    expect(named(objects, "Service", "source-controller")["spec"]).toMatchObject({
      selector: { app: "source-controller" },
      ports: [{ name: "http", port: 80, targetPort: "http" }],
    });
    expect(objects.filter((o) => o.kind === "NetworkPolicy").map((o) => o.metadata.name)).toEqual([
      "allow-egress",
      "allow-scraping",
      "allow-webhooks",
    ]);
    // Without notification-controller: no events address, no webhook policy.
    const alone = await render({ notificationController: { create: false } });
    for (const name of ["helm-controller", "kustomize-controller", "source-controller"]) {
      expect(podTemplate(named(alone, "Deployment", name)).spec.containers[0]!.args.join(" ")).not.toContain(
        "--events-addr",
      );
    }
    expect(alone.filter((o) => o.kind === "NetworkPolicy").map((o) => o.metadata.name)).toEqual([
      "allow-egress",
      "allow-scraping",
    ]);
    expect(objects.some((o) => o.kind === "Namespace")).toBe(false);
  });

  it("renders non-default values: notification-controller and its events wiring, multitenancy, monitoring, scheduling, image overrides", async () => {
    const digest = `sha256:${"a".repeat(64)}`;
    const objects = await render({
      image: { registry: "registry.example.com/mirror", tag: "v9.9.9" },
      imagePullSecrets: [{ name: "regcred" }],
      clusterDomain: "k8s.internal",
      logLevel: "debug",
      watchAllNamespaces: false,
      multitenancy: { enabled: true, defaultServiceAccount: "tenant", privileged: false },
      prometheus: { podMonitor: { create: true } },
      grafana: { dashboards: { create: true } },
      notificationController: { create: true },
      helmController: { create: false },
      kustomizeController: {
        replicas: 2,
        concurrent: 20,
        kubeApiQps: 500,
        kubeApiBurst: 1000,
        image: { digest },
        resources: { limits: { cpu: "2", memory: "1Gi" } },
        nodeSelector: { "kubernetes.io/os": "linux" },
        tolerations: [{ key: "gitops", operator: "Exists", effect: "NoSchedule" }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } },
        priorityClassName: "system-cluster-critical",
        extraEnv: [{ name: "SOPS_AGE_KEY_FILE", value: "/keys/age.txt" }],
        container: { additionalArgs: ["--feature-gates=StrictPostBuildSubstitutions=true"] },
      },
    });
    const ks = podTemplate(named(objects, "Deployment", "kustomize-controller"));
    const kc = ks.spec.containers[0]!;
    expect(named(objects, "Deployment", "kustomize-controller")["spec"]).toMatchObject({ replicas: 2 });
    expect(kc.image).toBe(`registry.example.com/mirror/sluice@${digest}`);
    expect(kc.args).toEqual([
      "kustomize-controller",
      "--events-addr=http://notification-controller.$(RUNTIME_NAMESPACE).svc.k8s.internal./",
      "--watch-all-namespaces=false",
      "--log-level=debug",
      "--log-encoding=json",
      "--enable-leader-election",
      "--concurrent=20",
      "--kube-api-qps=500",
      "--kube-api-burst=1000",
      "--no-cross-namespace-refs=true",
      "--default-service-account=tenant",
      "--feature-gates=StrictPostBuildSubstitutions=true",
    ]);
    expect(kc.env).toContainEqual({ name: "SOPS_AGE_KEY_FILE", value: "/keys/age.txt" });
    expect(kc.resources).toEqual({ limits: { cpu: "2", memory: "1Gi" }, requests: { cpu: "100m", memory: "64Mi" } });
    expect(ks.spec["nodeSelector"]).toEqual({ "kubernetes.io/os": "linux" });
    expect(ks.spec["tolerations"]).toEqual([{ key: "gitops", operator: "Exists", effect: "NoSchedule" }]);
    expect(ks.spec["priorityClassName"]).toBe("system-cluster-critical");
    expect(ks.spec["affinity"]).toBeDefined();
    expect(ks.spec["imagePullSecrets"]).toEqual([{ name: "regcred" }]);

    const source = podTemplate(named(objects, "Deployment", "source-controller")).spec.containers[0]!;
    expect(source.image).toBe("registry.example.com/mirror/sluice:v9.9.9");
    expect(source.args).toContain(
      "--events-addr=http://notification-controller.$(RUNTIME_NAMESPACE).svc.k8s.internal./",
    );
    expect(source.args).not.toContain("--no-cross-namespace-refs=true");

    const nc = podTemplate(named(objects, "Deployment", "notification-controller")).spec.containers[0]!;
    expect(nc.args.join(" ")).not.toContain("--events-addr");
    expect(nc.args).toContain("--no-cross-namespace-refs=true");
    expect(nc.args.join(" ")).not.toContain("--default-service-account");
    expect(nc.ports.map((p) => `${p.name}:${p.containerPort}`)).toEqual([
      "http:9090",
      "http-webhook:9292",
      "http-prom:8080",
      "healthz:9440",
    ]);
    expect(named(objects, "Service", "notification-controller")["spec"]).toMatchObject({
      selector: { app: "notification-controller" },
      ports: [{ port: 80, targetPort: "http" }],
    });
    expect(named(objects, "Service", "webhook-receiver")["spec"]).toMatchObject({
      selector: { app: "notification-controller" },
      ports: [{ port: 80, targetPort: "http-webhook" }],
    });
    // Webhooks reach the receiver port and nothing else of notification-controller.
    expect(named(objects, "NetworkPolicy", "allow-webhooks")["spec"]).toEqual({
      podSelector: { matchLabels: { app: "notification-controller" } },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 9292, protocol: "TCP" }] }],
    });
    expect(objects.some((o) => o.kind === "Deployment" && o.metadata.name === "helm-controller")).toBe(false);

    // Multitenancy lockdown: no cluster-admin binding; the reconcilers may only impersonate.
    expect(objects.some((o) => o.metadata.name === "cluster-reconciler-flux-system")).toBe(false);
    expect(rules(objects, "cluster-reconciler-impersonator-flux-system")).toEqual([
      { apiGroups: [""], resources: ["serviceaccounts"], verbs: ["impersonate"] },
    ]);
    expect(named(objects, "ClusterRoleBinding", "cluster-reconciler-impersonator-flux-system")["subjects"]).toEqual([
      { kind: "ServiceAccount", name: "kustomize-controller", namespace: "flux-system" },
    ]);

    const monitor = named(objects, "PodMonitor", "sluice");
    expect(monitor["spec"]).toMatchObject({
      selector: { matchLabels: { "app.kubernetes.io/part-of": "sluice" } },
      podMetricsEndpoints: [{ port: "http-prom" }],
    });
    const dashboards = named(objects, "ConfigMap", "sluice-grafana-dashboards");
    expect(dashboards.metadata.labels?.["grafana_dashboard"]).toBe("1");
    const data = dashboards["data"] as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(["cluster.json", "control-plane.json"]);
    const exprs = Object.values(data)
      .flatMap((json) => (JSON.parse(json) as { panels: { targets?: { expr: string }[] }[] }).panels)
      .flatMap((p) => (p.targets ?? []).map((t) => t.expr))
      .join("\n");
    for (const metric of [
      "gotk_resource_info",
      "gotk_reconcile_duration_seconds_sum",
      "controller_runtime_reconcile_total",
      "workqueue_longest_running_processor_seconds",
      "rest_client_requests_total",
    ]) {
      expect(exprs).toContain(metric);
    }
    // Flux 2.1 removed these; the dashboards do not use them.
    expect(exprs).not.toContain("gotk_reconcile_condition");
    expect(exprs).not.toContain("gotk_suspend_status");
  });

  it("gives each controller only what it needs: no wildcard verbs, no writes to Secrets, its own kinds only", async () => {
    const objects = await render({
      notificationController: { create: true },
      imageReflectorController: { create: true },
      imageAutomationController: { create: true },
    });
    const all = (name: string) => rules(objects, `crd-controller-${name}-flux-system`);
    // The image controllers read each Secret they are pointed at, nothing more.
    for (const name of ["image-reflector-controller", "image-automation-controller"]) {
      for (const rule of all(name)) {
        expect(rule.verbs).not.toContain("*");
        if (rule.apiGroups.includes("") && rule.resources.includes("secrets")) expect(rule.verbs).toEqual(["get"]);
      }
      expect(named(objects, "ClusterRoleBinding", `crd-controller-${name}-flux-system`)["subjects"]).toEqual([
        { kind: "ServiceAccount", name, namespace: "flux-system" },
      ]);
    }
    for (const name of ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"]) {
      for (const rule of all(name)) {
        expect(rule.verbs).not.toContain("*");
        if (rule.apiGroups.includes("") && rule.resources.includes("secrets")) {
          expect(rule.verbs).toEqual(["get", "list", "watch"]);
        }
      }
      const binding = named(objects, "ClusterRoleBinding", `crd-controller-${name}-flux-system`);
      expect(binding["subjects"]).toEqual([{ kind: "ServiceAccount", name, namespace: "flux-system" }]);
    }
    const writes = (name: string) =>
      all(name)
        .filter((r) => r.verbs.some((v) => ["create", "update", "patch", "delete"].includes(v)))
        .flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res}`)));
    expect(writes("source-controller").every((w) => w.startsWith("source.toolkit.fluxcd.io/") || w === "/events")).toBe(
      true,
    );
    expect(
      writes("kustomize-controller").every((w) => w.startsWith("kustomize.toolkit.fluxcd.io/") || w === "/events"),
    ).toBe(true);
    for (const name of ["image-reflector-controller", "image-automation-controller"]) {
      expect(writes(name).every((w) => w.startsWith("image.toolkit.fluxcd.io/") || w === "/events")).toBe(true);
    }
    expect(
      writes("image-automation-controller").some((w) => w.startsWith("image.toolkit.fluxcd.io/imagepolicies")),
    ).toBe(false);
    expect(writes("helm-controller").filter((w) => w.startsWith("source.toolkit.fluxcd.io/"))).toEqual([
      "source.toolkit.fluxcd.io/helmcharts",
    ]);
    // Leases only in the release namespace.
    expect(named(objects, "Role", "leader-election")["rules"]).toEqual([
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
    ]);
    // Flux's split: kustomize- and helm-controller apply with cluster-admin through cluster-reconciler.
    expect(named(objects, "ClusterRoleBinding", "cluster-reconciler-flux-system")).toMatchObject({
      roleRef: { kind: "ClusterRole", name: "cluster-admin" },
      subjects: [
        { kind: "ServiceAccount", name: "kustomize-controller" },
        { kind: "ServiceAccount", name: "helm-controller" },
      ],
    });
    expect(named(objects, "ClusterRole", "flux-view-flux-system").metadata.labels).toMatchObject({
      "rbac.authorization.k8s.io/aggregate-to-view": "true",
    });
    expect(named(objects, "ClusterRole", "flux-edit-flux-system").metadata.labels).toMatchObject({
      "rbac.authorization.k8s.io/aggregate-to-edit": "true",
    });
    // Flux's groups, source-watcher's included (manifests/rbac/{edit,view}.yaml).
    for (const role of ["flux-view-flux-system", "flux-edit-flux-system"]) {
      expect(
        rules(objects, role)
          .flatMap((r) => r.apiGroups)
          .sort(),
      ).toEqual([
        "helm.toolkit.fluxcd.io",
        "image.toolkit.fluxcd.io",
        "kustomize.toolkit.fluxcd.io",
        "notification.toolkit.fluxcd.io",
        "source.extensions.fluxcd.io",
        "source.toolkit.fluxcd.io",
      ]);
    }
  });

  it("renders source-watcher only when asked, as flux install --components-extra=source-watcher does", async () => {
    const plain = await render();
    expect(plain.filter((o) => o.metadata.name === "source-watcher")).toEqual([]);
    // Its ArtifactGenerator CRD comes with the component only (templates; crds/ holds the core ones).
    const crdNames = (objs: UnstructuredObject[]) =>
      objs.filter((o) => o.kind === "CustomResourceDefinition").map((o) => o.metadata.name);
    expect(crdNames(plain)).toEqual([]);
    for (const name of ["kustomize-controller", "helm-controller"]) {
      expect(podTemplate(named(plain, "Deployment", name)).spec.containers[0]!.args).not.toContain(
        "--feature-gates=ExternalArtifact=true",
      );
    }
    const objects = await render({ sourceWatcher: { create: true } });
    expect(crdNames(objects)).toEqual(["artifactgenerators.source.extensions.fluxcd.io"]);
    const sw = podTemplate(named(objects, "Deployment", "source-watcher")).spec.containers[0]!;
    expect(sw.args).toEqual([
      "source-watcher",
      "--events-addr=http://notification-controller.$(RUNTIME_NAMESPACE).svc.cluster.local./",
      "--watch-all-namespaces=true",
      "--log-level=info",
      "--log-encoding=json",
      "--enable-leader-election",
      "--concurrent=10",
      "--kube-api-qps=50",
      "--kube-api-burst=300",
      "--storage-path=/data",
      "--storage-adv-addr=source-watcher.$(RUNTIME_NAMESPACE).svc.cluster.local.",
    ]);
    expect(named(objects, "Service", "source-watcher")["spec"]).toMatchObject({ selector: { app: "source-watcher" } });
    // Kustomizations and HelmReleases may then consume ExternalArtifacts.
    for (const name of ["kustomize-controller", "helm-controller"]) {
      expect(podTemplate(named(objects, "Deployment", name)).spec.containers[0]!.args).toContain(
        "--feature-gates=ExternalArtifact=true",
      );
    }
    const writes = rules(objects, "crd-controller-source-watcher-flux-system")
      .filter((r) => r.verbs.some((v) => ["create", "update", "patch", "delete"].includes(v)))
      .flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res}`)));
    expect(writes.filter((w) => w !== "/events").sort()).toEqual([
      "source.extensions.fluxcd.io/artifactgenerators",
      "source.extensions.fluxcd.io/artifactgenerators/finalizers",
      "source.extensions.fluxcd.io/artifactgenerators/status",
      "source.toolkit.fluxcd.io/externalartifacts",
      "source.toolkit.fluxcd.io/externalartifacts/status",
    ]);
  });

  it("renders the optional UI read-only: no Secrets, ConfigMaps or writes; impersonation only with actions", async () => {
    expect((await render({})).some((o) => o.metadata.name === "ui")).toBe(false);
    const objects = await render({ ui: { enabled: true } });
    expect(named(objects, "Service", "ui")["spec"]).toMatchObject({ ports: [{ port: 80, targetPort: "http" }] });
    const uiRules = rules(objects, "sluice-ui-flux-system");
    for (const rule of uiRules) {
      expect(rule.verbs.every((v) => ["get", "list", "watch"].includes(v))).toBe(true);
      expect(rule.resources).not.toContain("secrets");
      expect(rule.resources).not.toContain("configmaps");
    }
    const acting = rules(await render({ ui: { enabled: true, actions: { enabled: true } } }), "sluice-ui-flux-system");
    expect(acting.filter((r) => r.verbs.includes("impersonate"))).toEqual([
      { apiGroups: [""], resources: ["users", "groups"], verbs: ["impersonate"] },
    ]);
    // The log viewer reads the controllers' Pods' logs in the release namespace only.
    const logsRole = named(objects, "Role", "sluice-ui-controller-logs");
    expect(logsRole.metadata.namespace).toBe("flux-system");
    expect(logsRole["rules"]).toEqual([{ apiGroups: [""], resources: ["pods/log"], verbs: ["get"] }]);
    // Token logins checked by TokenReview: kube's system:auth-delegator, only when asked for.
    const delegator = (o: UnstructuredObject[]) =>
      o.filter(
        (x) => x.kind === "ClusterRoleBinding" && (x["roleRef"] as { name: string }).name === "system:auth-delegator",
      );
    expect(delegator(objects)).toHaveLength(0);
    expect(delegator(await render({ ui: { enabled: true, tokenReview: { enabled: true } } }))).toHaveLength(1);
  });

  it.each([
    ["the defaults", {}],
    [
      "multitenancy, every controller and tuned flags",
      {
        multitenancy: { enabled: true, defaultServiceAccount: "tenant", privileged: false },
        notificationController: { create: true },
        sourceWatcher: { create: true },
        imageReflectorController: { create: true },
        imageAutomationController: { create: true },
        logLevel: "debug",
        watchAllNamespaces: false,
        kustomizeController: { concurrent: 20, kubeApiQps: 500, kubeApiBurst: 1000 },
        ui: {
          enabled: true,
          allowedHosts: ["ui.example.com"],
          loginsSecret: "ui-logins",
          secureCookies: true,
          tokenReview: { enabled: true },
          oidc: {
            issuerURL: "https://idp.example.com",
            clientID: "sluice-ui",
            clientSecretName: "ui-oidc",
            baseURL: "https://ui.example.com",
          },
        },
      },
    ],
  ])("renders args every controller accepts (%s)", async (_name, values) => {
    const objects = await render(values);
    const deployments = objects.filter((o) => o.kind === "Deployment");
    expect(deployments.length).toBeGreaterThanOrEqual(4);
    for (const d of deployments) {
      const args = podTemplate(d).spec.containers[0]!.args.map((a) => a.replace("$(RUNTIME_NAMESPACE)", "flux-system"));
      // The image's entry point parses the controller's flags; --help stops it after a successful parse.
      const r = await execFileAsync(process.execPath, [ENTRYPOINT, ...args, "--help"]).then(
        () => ({ code: 0, stderr: "" }),
        (err: { code?: number; stderr?: string }) => ({ code: err.code ?? 1, stderr: err.stderr ?? "" }),
      );
      expect({ deployment: d.metadata.name, ...r }).toEqual({ deployment: d.metadata.name, code: 0, stderr: "" });
    }
  });

  it.each([
    [{ sourceController: { concurent: 3 } }, "at '/sourceController': additional properties 'concurent' not allowed"],
    [{ logLevel: "verbose" }, "at '/logLevel': value must be one of 'debug', 'info', 'error'"],
    [{ kustomizeController: { replicas: "two" } }, "at '/kustomizeController/replicas': got string, want integer"],
    [{ image: { digest: "latest" } }, "at '/image/digest': 'latest' does not match pattern"],
    [{ imagePullSecrets: ["regcred"] }, "at '/imagePullSecrets/0': got string, want object"],
  ])("refuses %j with a message naming the value", async (values, message) => {
    const dir = await tempDir("sluice-chart-");
    try {
      const file = join(dir.path, "values.yaml");
      await writeFile(file, stringify(values));
      const r = await helm(["template", "sluice", CHART, "--values", file]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("values don't meet the specifications of the schema(s)");
      expect(r.stderr).toContain(message);
    } finally {
      await dir.remove();
    }
  });
});

describe("charts/sluice installed with helm into the embedded API server", () => {
  let cluster: EmbeddedCluster;
  beforeAll(async () => {
    cluster = await startEmbeddedCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  const kube = ["--kubeconfig"];

  it("installs, runs its helm test, upgrades and uninstalls", async () => {
    const install = await helm([
      "install",
      "sluice",
      CHART,
      "--namespace",
      "flux-system",
      "--create-namespace",
      "--wait",
      "--timeout",
      "3m",
      ...kube,
      cluster.kubeconfigPath,
    ]);
    expect(install.stderr).toBe("");
    expect(install.code).toBe(0);
    // NOTES.txt tells the user what to do next.
    expect(install.stdout).toContain("Sluice 0.1.0 is installed in the flux-system namespace with these controllers:");
    expect(install.stdout).toContain("  - source-controller (ghcr.io/sluice-gitops/sluice:v0.1.0)");
    expect(install.stdout).toContain("sluice check --namespace flux-system");
    const crds = await cluster.kubectlOk(["get", "crds", "-o", "name"]);
    expect(crds).toContain("gitrepositories.source.toolkit.fluxcd.io");
    const deployments = await cluster.kubectlOk(["get", "deployments", "-n", "flux-system", "-o", "name"]);
    expect(deployments.split("\n").filter(Boolean).sort()).toEqual([
      "deployment.apps/helm-controller",
      "deployment.apps/kustomize-controller",
      "deployment.apps/notification-controller",
      "deployment.apps/source-controller",
    ]);
    // The test Pod is accepted and (the embedded API server simulating Pods) completes.
    const test = await helm(["test", "sluice", "--namespace", "flux-system", ...kube, cluster.kubeconfigPath]);
    expect(test.stdout).toMatch(/TEST SUITE:\s+sluice-test-services[\s\S]*Phase:\s+Succeeded/);
    expect(test.code).toBe(0);

    const upgrade = await helm([
      "upgrade",
      "sluice",
      CHART,
      "--namespace",
      "flux-system",
      "--set",
      "kustomizeController.replicas=2",
      "--set",
      "helmController.create=false",
      "--wait",
      ...kube,
      cluster.kubeconfigPath,
    ]);
    expect(upgrade.code).toBe(0);
    const ks = JSON.parse(
      await cluster.kubectlOk(["get", "deployment", "kustomize-controller", "-n", "flux-system", "-o", "json"]),
    ) as { spec: { replicas: number } };
    expect(ks.spec.replicas).toBe(2);
    const gone = await cluster.kubectl(["get", "deployment", "helm-controller", "-n", "flux-system"]);
    expect(gone.stderr).toContain('"helm-controller" not found');

    const bad = await helm([
      "upgrade",
      "sluice",
      CHART,
      "--namespace",
      "flux-system",
      "--set",
      "sourceController.replicas=-1",
      ...kube,
      cluster.kubeconfigPath,
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("at '/sourceController/replicas': minimum: got -1, want 0");

    const uninstall = await helm([
      "uninstall",
      "sluice",
      "--namespace",
      "flux-system",
      ...kube,
      cluster.kubeconfigPath,
    ]);
    expect(uninstall.code).toBe(0);
    const left = await cluster.kubectlOk([
      "get",
      "deployments,services,serviceaccounts",
      "-n",
      "flux-system",
      "-o",
      "name",
    ]);
    expect(left.split("\n").filter((l) => l.includes("controller"))).toEqual([]);
  });
});

describe.skipIf(!hasDockerRegistry() && process.env["CI"] !== "true")("charts/sluice as an OCI artifact", () => {
  let registry: OciRegistry;
  let dir: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    if (!hasDockerRegistry()) throw new Error("docker-registry is not installed (Debian package docker-registry)");
    registry = await startOciRegistry();
    dir = await tempDir("sluice-chart-oci-");
  });
  afterAll(async () => {
    await registry?.stop();
    await dir?.remove();
  });

  it("packages, pushes to a registry and pulls back (what release.yaml does)", async () => {
    const env = { HELM_REGISTRY_CONFIG: join(dir.path, "registry.json"), HELM_CACHE_HOME: join(dir.path, "cache") };
    const pkg = await helm(["package", CHART, "--destination", dir.path], env);
    expect(pkg.code).toBe(0);
    expect(await readdir(dir.path)).toContain("sluice-0.1.0.tgz");
    const host = new URL(registry.url).host;
    const push = await helm(["push", join(dir.path, "sluice-0.1.0.tgz"), `oci://${host}/charts`, "--plain-http"], env);
    expect(push.code).toBe(0);
    expect(push.stderr).toMatch(/Digest: sha256:[0-9a-f]{64}/);
    const show = await helm(
      ["show", "chart", `oci://${host}/charts/sluice`, "--version", "0.1.0", "--plain-http"],
      env,
    );
    expect(show.code).toBe(0);
    expect(show.stdout).toContain("name: sluice");
    expect(show.stdout).toContain("appVersion: 0.1.0");
  });
});
