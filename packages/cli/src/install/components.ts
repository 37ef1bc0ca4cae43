// The controllers' manifests `sluice install` applies, generated in TypeScript with flux install's shape:
// namespace, service accounts, RBAC (crd-controller ClusterRole, cluster-reconciler binding to cluster-admin),
// Services and Deployments, all labelled `app.kubernetes.io/part-of: sluice`.

import type { UnstructuredObject } from "@sluice/runtime/kube";
import { CLI_VERSION } from "../version.js";

/** Components `sluice install` knows, in flux's order. */
export const ALL_COMPONENTS = [
  "source-controller",
  "kustomize-controller",
  "helm-controller",
  "notification-controller",
];
/** Components installed by default. */
export const DEFAULT_COMPONENTS = ALL_COMPONENTS;
/**
 * Default image registry. Sluice publishes no controller images yet: `sluice install` writes manifests that
 * point here, so build and push the images yourself and pass `--registry`.
 */
export const DEFAULT_REGISTRY = "ghcr.io/sluice-gitops";

/** Options of {@link componentManifests}. */
export interface InstallOptions {
  namespace: string;
  components: readonly string[];
  registry: string;
  /** Image tag (default `v<cli version>`). */
  version: string;
  imagePullSecret?: string | undefined;
  watchAllNamespaces: boolean;
  logLevel: string;
  clusterDomain: string;
}

/** The default install options for a namespace. */
export function defaultInstallOptions(namespace: string): InstallOptions {
  return {
    namespace,
    components: DEFAULT_COMPONENTS,
    registry: DEFAULT_REGISTRY,
    version: `v${CLI_VERSION}`,
    watchAllNamespaces: true,
    logLevel: "info",
    clusterDomain: "cluster.local",
  };
}

/** The labels every installed object carries. */
export function installLabels(namespace: string): Record<string, string> {
  return {
    "app.kubernetes.io/instance": namespace,
    "app.kubernetes.io/part-of": "sluice",
    "app.kubernetes.io/version": `v${CLI_VERSION}`,
  };
}

/** Namespace, RBAC, Services and Deployments for the selected components (CRDs not included). */
export function componentManifests(o: InstallOptions): UnstructuredObject[] {
  const labels = installLabels(o.namespace);
  const meta = (name: string, extra: Record<string, string> = {}) => ({
    name,
    namespace: o.namespace,
    labels: { ...labels, ...extra },
  });
  const objects: UnstructuredObject[] = [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: o.namespace, labels: { ...labels, "pod-security.kubernetes.io/warn": "restricted" } },
    },
  ];
  for (const c of o.components) {
    objects.push({ apiVersion: "v1", kind: "ServiceAccount", metadata: meta(c, { "app.kubernetes.io/component": c }) });
  }
  objects.push({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: `crd-controller-${o.namespace}`, labels },
    rules: [
      {
        apiGroups: [
          "source.toolkit.fluxcd.io",
          "kustomize.toolkit.fluxcd.io",
          "helm.toolkit.fluxcd.io",
          "notification.toolkit.fluxcd.io",
          "image.toolkit.fluxcd.io",
        ],
        resources: ["*"],
        verbs: ["*"],
      },
      {
        apiGroups: [""],
        resources: ["namespaces", "secrets", "configmaps", "serviceaccounts"],
        verbs: ["get", "list", "watch"],
      },
      { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
      {
        apiGroups: [""],
        resources: ["configmaps"],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
      },
      { apiGroups: [""], resources: ["configmaps/status"], verbs: ["get", "update", "patch"] },
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["*"] },
    ],
  });
  const subjects = (names: string[]) =>
    names
      .filter((n) => o.components.includes(n))
      .map((n) => ({ kind: "ServiceAccount", name: n, namespace: o.namespace }));
  objects.push({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: `crd-controller-${o.namespace}`, labels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `crd-controller-${o.namespace}` },
    subjects: subjects(ALL_COMPONENTS),
  });
  objects.push({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: `cluster-reconciler-${o.namespace}`, labels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
    subjects: subjects(["kustomize-controller", "helm-controller"]),
  });
  if (o.components.includes("source-controller")) {
    objects.push(service(o, meta("source-controller", { control: "controller" }), "source-controller", 80, "http"));
  }
  if (o.components.includes("notification-controller")) {
    objects.push(
      service(o, meta("notification-controller", { control: "controller" }), "notification-controller", 80, "http"),
    );
    objects.push(
      service(o, meta("webhook-receiver", { control: "controller" }), "notification-controller", 80, "http-webhook"),
    );
  }
  for (const c of o.components)
    objects.push(deployment(o, c, meta(c, { "app.kubernetes.io/component": c, control: "controller" })));
  return objects;
}

function service(
  o: InstallOptions,
  metadata: UnstructuredObject["metadata"],
  app: string,
  port: number,
  target: string,
): UnstructuredObject {
  void o;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata,
    spec: {
      type: "ClusterIP",
      selector: { app },
      ports: [{ name: "http", port, protocol: "TCP", targetPort: target }],
    },
  };
}

function deployment(o: InstallOptions, name: string, metadata: UnstructuredObject["metadata"]): UnstructuredObject {
  const events = o.components.includes("notification-controller")
    ? [`--events-addr=http://notification-controller.$(RUNTIME_NAMESPACE).svc.${o.clusterDomain}./`]
    : [];
  const args = [
    ...events,
    `--watch-all-namespaces=${o.watchAllNamespaces}`,
    `--log-level=${o.logLevel}`,
    "--log-encoding=json",
    "--enable-leader-election",
  ];
  const ports: Record<string, unknown>[] = [
    { containerPort: 8080, name: "http-prom", protocol: "TCP" },
    { containerPort: 9440, name: "healthz", protocol: "TCP" },
  ];
  const volumes: Record<string, unknown>[] = [{ name: "temp", emptyDir: {} }];
  const mounts: Record<string, unknown>[] = [{ name: "temp", mountPath: "/tmp" }];
  if (name === "source-controller") {
    args.push(
      "--storage-path=/data",
      `--storage-adv-addr=source-controller.$(RUNTIME_NAMESPACE).svc.${o.clusterDomain}.`,
    );
    ports.unshift({ containerPort: 9090, name: "http", protocol: "TCP" });
    volumes.push({ name: "data", emptyDir: {} });
    mounts.push({ name: "data", mountPath: "/data" });
  }
  if (name === "notification-controller") {
    ports.unshift(
      { containerPort: 9090, name: "http", protocol: "TCP" },
      { containerPort: 9292, name: "http-webhook", protocol: "TCP" },
    );
  }
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata,
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: {
          labels: { app: name },
          annotations: { "prometheus.io/port": "8080", "prometheus.io/scrape": "true" },
        },
        spec: {
          serviceAccountName: name,
          terminationGracePeriodSeconds: 10,
          securityContext: { fsGroup: 1337 },
          ...(o.imagePullSecret ? { imagePullSecrets: [{ name: o.imagePullSecret }] } : {}),
          containers: [
            {
              name: "manager",
              image: `${o.registry.replace(/\/+$/, "")}/${name}:${o.version}`,
              imagePullPolicy: "IfNotPresent",
              args,
              env: [{ name: "RUNTIME_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } }],
              ports,
              readinessProbe: { httpGet: { path: "/readyz", port: "healthz" } },
              livenessProbe: { httpGet: { path: "/healthz", port: "healthz" } },
              resources: { limits: { cpu: "1000m", memory: "1Gi" }, requests: { cpu: "50m", memory: "64Mi" } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
              },
              volumeMounts: mounts,
            },
          ],
          volumes,
        },
      },
    },
  };
}
