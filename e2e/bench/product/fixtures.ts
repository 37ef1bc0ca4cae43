// What the scenarios deploy: a Git repository with 500 ConfigMaps (`cm500/`, with a kustomization.yaml so
// `kubectl kustomize` builds the same path) and flux-benchmark's 4-object app (`k4/`: ConfigMap, Secret,
// Service, Deployment), and a second repository for the push scenario; and the Flux objects for them.

import type { UnstructuredObject } from "@sluice/runtime";

export const FLUX_NS = "bench";

/** The files of the main repository. */
export function mainRepoFiles(configMaps: number): Record<string, string> {
  const files: Record<string, string> = {};
  const names: string[] = [];
  for (let i = 0; i < configMaps; i++) {
    const file = `cm-${i}.yaml`;
    names.push(file);
    files[`cm500/${file}`] = [
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:",
      `  name: cm-${i}`,
      "data:",
      ...Array.from({ length: 4 }, (_, k) => `  key-${k}: "value-${(i * 31 + k) % 997}"`),
      "",
    ].join("\n");
  }
  files["cm500/kustomization.yaml"] = `resources:\n${names.map((n) => `  - ${n}`).join("\n")}\n`;
  files["k4/configmap.yaml"] = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  greeting: "hello"\n';
  files["k4/secret.yaml"] =
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\nstringData:\n  token: bench\n";
  files["k4/service.yaml"] = [
    "apiVersion: v1",
    "kind: Service",
    "metadata:",
    "  name: app",
    "spec:",
    "  selector:",
    "    app: app",
    "  ports:",
    "    - port: 80",
    "      targetPort: 8080",
    "",
  ].join("\n");
  files["k4/deployment.yaml"] = [
    "apiVersion: apps/v1",
    "kind: Deployment",
    "metadata:",
    "  name: app",
    "spec:",
    "  replicas: 1",
    "  selector:",
    "    matchLabels:",
    "      app: app",
    "  template:",
    "    metadata:",
    "      labels:",
    "        app: app",
    "    spec:",
    "      containers:",
    "        - name: app",
    "          image: ghcr.io/stefanprodan/podinfo:6.7.1",
    "",
  ].join("\n");
  return files;
}

/** The push repository's one ConfigMap, with `value`. */
export function pushRepoFiles(value: number): Record<string, string> {
  return {
    "push/cm.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pushed\ndata:\n  value: "${value}"\n`,
  };
}

/** A GitRepository of `url` (interval 1h: reconciled on request only, during the benchmark). */
export function gitRepository(name: string, url: string): UnstructuredObject {
  return {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "GitRepository",
    metadata: { name, namespace: FLUX_NS },
    spec: { url, interval: "1h", ref: { branch: "master" }, timeout: "60s" },
  } as UnstructuredObject;
}

/** A Kustomization of `path` from GitRepository `source`. */
export function kustomization(
  name: string,
  namespace: string,
  source: string,
  path: string,
  spec: Record<string, unknown>,
): UnstructuredObject {
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name, namespace },
    spec: {
      interval: "1h",
      sourceRef: { kind: "GitRepository", name: source, namespace: FLUX_NS },
      path,
      prune: true,
      timeout: "5m",
      ...spec,
    },
  } as UnstructuredObject;
}
