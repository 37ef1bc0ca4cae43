// Generated manifests for the kustomize-controller benchmarks: a realistic mix of ConfigMaps, Secrets,
// Services and Deployments, written as a plain directory the kustomization generator picks up.

/** A manifest for object `i` of a set: the kind rotates ConfigMap → Secret → Service → Deployment. */
export function manifest(i: number, prefix = "app"): string {
  const name = `${prefix}-${i}`;
  switch (i % 4) {
    case 0:
      return [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        `  name: ${name}`,
        "  labels:",
        `    app.kubernetes.io/name: ${name}`,
        "data:",
        ...Array.from({ length: 8 }, (_, k) => `  key-${k}: "value-${(i * 31 + k) % 997}"`),
        "",
      ].join("\n");
    case 1:
      return [
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        `  name: ${name}`,
        "type: Opaque",
        "stringData:",
        `  username: user-${i}`,
        `  password: pass-${(i * 7919) % 100_000}`,
        "",
      ].join("\n");
    case 2:
      return [
        "apiVersion: v1",
        "kind: Service",
        "metadata:",
        `  name: ${name}`,
        "spec:",
        "  selector:",
        `    app.kubernetes.io/name: ${name}`,
        "  ports:",
        "    - name: http",
        "      port: 80",
        "      targetPort: 8080",
        "",
      ].join("\n");
    default:
      return [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        `  name: ${name}`,
        "  labels:",
        `    app.kubernetes.io/name: ${name}`,
        "spec:",
        `  replicas: ${1 + (i % 3)}`,
        "  selector:",
        "    matchLabels:",
        `      app.kubernetes.io/name: ${name}`,
        "  template:",
        "    metadata:",
        "      labels:",
        `        app.kubernetes.io/name: ${name}`,
        "    spec:",
        "      containers:",
        "        - name: app",
        `          image: ghcr.io/example/app:v1.${i % 13}.${i % 7}`,
        "          ports:",
        "            - containerPort: 8080",
        "          resources:",
        "            requests: { cpu: 100m, memory: 64Mi }",
        "          env:",
        ...Array.from({ length: 4 }, (_, k) => `            - { name: VAR_${k}, value: "v-${(i + k) % 50}" }`),
        "",
      ].join("\n");
  }
}

/** `count` manifests as files `<dir>/m-<i>.yaml` (a tree for `writeTree`). */
export function manifestTree(count: number, dir = "", prefix = "app"): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) files[`${dir}${dir ? "/" : ""}m-${i}.yaml`] = manifest(i, prefix);
  return files;
}
