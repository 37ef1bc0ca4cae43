// `sluice up`'s controllers act as the chart's ServiceAccounts: the chart rendered by the real helm gives each
// controller's ServiceAccount and RBAC, applied to the embedded API server, and each controller's kubeconfig
// authenticates as that ServiceAccount with exactly the chart's permissions.

import { type ApiServer, startApiServer } from "@sluice/apiserver";
import { KubeClient, KubeConfig, type UnstructuredObject } from "@sluice/runtime/kube";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controllerIdentities, renderChartFor, serviceAccountOf } from "../src/up/controller-identities.js";
import { AVAILABLE_CONTROLLERS } from "../src/up/controllers.js";

const NS = "flux-system";
const controllers = [...AVAILABLE_CONTROLLERS.keys()];

describe("controller identities from the chart", () => {
  let server: ApiServer;
  let admin: KubeClient;
  const kc = new KubeConfig();
  beforeAll(async () => {
    server = await startApiServer({ simulateWorkloads: false });
    kc.loadFromString(JSON.stringify(server.kubeconfig));
    admin = KubeClient.fromKubeConfig(kc, { rateLimit: false });
    await admin.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  });
  afterAll(async () => {
    admin?.close();
    await server?.stop();
  });

  /** What the API server answers about `user` (SubjectAccessReview, as `kubectl auth can-i --as`). */
  async function can(user: string, verb: string, group: string, resource: string, namespace = ""): Promise<boolean> {
    const review = await admin.create<UnstructuredObject>({
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      metadata: {},
      spec: {
        user,
        groups: ["system:serviceaccounts", `system:serviceaccounts:${NS}`, "system:authenticated"],
        resourceAttributes: { verb, group, resource, namespace },
      },
    } as UnstructuredObject);
    return (review as { status?: { allowed?: boolean } }).status?.allowed === true;
  }

  it("maps every controller to the ServiceAccount of its Deployment in the chart", async () => {
    const render = await renderChartFor(controllers, NS, process.env);
    for (const c of controllers) expect(serviceAccountOf(render, c)).toBe(c);
    expect(() => serviceAccountOf(render, "no-such-controller")).toThrow(
      "the Sluice chart renders no Deployment no-such-controller",
    );
  });

  it("applies the chart's RBAC and gives each controller a kubeconfig acting as its ServiceAccount", async () => {
    const render = await renderChartFor(controllers, NS, process.env);
    const identities = await controllerIdentities(controllers, NS, kc, admin, render);
    expect([...identities.keys()].sort()).toEqual([...controllers].sort());
    for (const [name, kc] of identities) {
      const client = KubeClient.fromKubeConfig(kc, { rateLimit: false });
      try {
        const review = await client.create<UnstructuredObject>({
          apiVersion: "authentication.k8s.io/v1",
          kind: "SelfSubjectReview",
          metadata: {},
        } as UnstructuredObject);
        const info = (review as { status?: { userInfo?: { username?: string; groups?: string[] } } }).status?.userInfo;
        expect(info?.username).toBe(`system:serviceaccount:${NS}:${name}`);
        expect(info?.groups).not.toContain("system:masters");
      } finally {
        client.close();
      }
    }
    const sa = (n: string) => `system:serviceaccount:${NS}:${n}`;
    // source-controller: its sources and their status, Secrets to read, events; nothing else.
    expect(await can(sa("source-controller"), "list", "source.toolkit.fluxcd.io", "gitrepositories")).toBe(true);
    expect(await can(sa("source-controller"), "get", "", "secrets", "default")).toBe(true);
    expect(await can(sa("source-controller"), "create", "", "events", "default")).toBe(true);
    expect(await can(sa("source-controller"), "delete", "", "secrets", "default")).toBe(false);
    expect(await can(sa("source-controller"), "create", "rbac.authorization.k8s.io", "clusterrolebindings")).toBe(
      false,
    );
    // notification-controller: its own kinds, not the sources' writes.
    expect(await can(sa("notification-controller"), "list", "notification.toolkit.fluxcd.io", "alerts")).toBe(true);
    expect(await can(sa("notification-controller"), "delete", "apps", "deployments", "default")).toBe(false);
    // kustomize- and helm-controller apply anything (rbac.roleRef cluster-admin, the chart's default).
    expect(await can(sa("kustomize-controller"), "create", "rbac.authorization.k8s.io", "clusterrolebindings")).toBe(
      true,
    );
    expect(await can(sa("helm-controller"), "create", "apps", "deployments", "default")).toBe(true);
  });
});
