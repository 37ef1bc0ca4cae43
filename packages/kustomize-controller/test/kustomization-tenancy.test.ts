// Flux's multi-tenancy lockdown, end to end against an API server that enforces RBAC (as in
// fluxcd/flux2-multi-tenancy): with `--no-cross-namespace-refs` and `--default-service-account`, a tenant's
// Kustomization applies as the tenant's ServiceAccount, whose Role only covers ConfigMaps of its namespace, so
// a ClusterRoleBinding or a write into flux-system fails closed with kube's forbidden message in Ready.

import type { UnstructuredObject } from "@sluice/runtime";
import { ensureNamespace } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appliedRevision,
  commitAndPush,
  conditionOf,
  createGitRepository,
  createKustomization,
  type KustomizeEnv,
  startKustomizeEnv,
  waitForKustomization,
} from "./support/env.js";

const NS = "tenant-a";
const TENANT = `system:serviceaccount:${NS}:tenant`;

const readyFalse = (k: Parameters<typeof conditionOf>[0]) => conditionOf(k, "Ready")?.status === "False";

describe("multi-tenancy lockdown with RBAC enforced", () => {
  let env: KustomizeEnv;
  let head = "";

  beforeAll(async () => {
    env = await startKustomizeEnv(NS, { noCrossNamespaceRefs: true, defaultServiceAccount: "tenant" });
    await ensureNamespace(env.client, "flux-system");
    await env.client.create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "tenant", namespace: NS } });
    await env.client.create({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "configmaps-only", namespace: NS },
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["*"] }],
    } as UnstructuredObject);
    await env.client.create({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "tenant", namespace: NS },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "configmaps-only" },
      subjects: [{ kind: "ServiceAccount", name: "tenant", namespace: NS }],
    } as UnstructuredObject);
    head = await commitAndPush(env, {
      "own/config.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: own\n  namespace: ${NS}\ndata:\n  a: "1"\n`,
      "escalate/crb.yaml": `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: tenant-a-admin
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: ServiceAccount
    name: tenant
    namespace: ${NS}
`,
      "intrude/config.yaml":
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: intruder\n  namespace: flux-system\ndata:\n  a: "1"\n',
    });
    await createGitRepository(env);
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
  }, 30_000);

  it("applies what the tenant's ServiceAccount may write, impersonating it by default", async () => {
    await createKustomization(env, "own", { path: "./own" });
    await waitForKustomization(env, "own", appliedRevision(head), "applied");
    const writes = env.cluster.server
      .auditEvents()
      .filter((e) => e.path.includes("/configmaps/own") && e.verb === "PATCH");
    expect(writes.length).toBeGreaterThan(0);
    for (const e of writes) expect(e.user).toBe(TENANT);
  });

  it("cannot create a ClusterRoleBinding: Ready=False with kube's forbidden message, nothing applied", async () => {
    await createKustomization(env, "escalate", { path: "./escalate" });
    const k = await waitForKustomization(env, "escalate", readyFalse, "refused");
    const message = conditionOf(k, "Ready")?.message ?? "";
    expect(message).toContain(
      `clusterrolebindings.rbac.authorization.k8s.io "tenant-a-admin" is forbidden: User "${TENANT}" cannot`,
    );
    expect(message).toContain(
      'resource "clusterrolebindings" in API group "rbac.authorization.k8s.io" at the cluster scope',
    );
    expect(k.status?.lastAppliedRevision).toBeUndefined();
    const crb = await env.client.getOptional({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      name: "tenant-a-admin",
    });
    expect(crb).toBeUndefined();
  });

  it("cannot write into flux-system: Ready=False with kube's forbidden message, nothing applied", async () => {
    await createKustomization(env, "intrude", { path: "./intrude" });
    const k = await waitForKustomization(env, "intrude", readyFalse, "refused");
    const message = conditionOf(k, "Ready")?.message ?? "";
    expect(message).toContain(`configmaps "intruder" is forbidden: User "${TENANT}" cannot`);
    expect(message).toContain('resource "configmaps" in API group "" in the namespace "flux-system"');
    const cm = await env.client.getOptional({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: "flux-system",
      name: "intruder",
    });
    expect(cm).toBeUndefined();
  });

  it("a sourceRef into another namespace is refused (AccessDenied) under the lockdown", async () => {
    await createKustomization(env, "foreign", {
      path: "./own",
      sourceRef: { kind: "GitRepository", name: "app", namespace: "flux-system" },
    });
    const k = await waitForKustomization(env, "foreign", readyFalse, "refused");
    expect(conditionOf(k, "Ready")).toMatchObject({ reason: "AccessDenied" });
    expect(conditionOf(k, "Ready")?.message).toContain(
      "can't access 'GitRepository/flux-system/app', cross-namespace references have been blocked",
    );
  });
});
