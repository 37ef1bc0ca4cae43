#!/usr/bin/env node
// The cost of authentication and authorization alone, in process (after `pnpm build`): a ServiceAccount token
// check plus the RBAC decision for a user bound to `edit` among 200 other bindings, the decision alone, the
// admin's (system:masters) decision, an uncached ES256 signature check, and re-indexing after an RBAC change.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dist = join(dirname(fileURLToPath(import.meta.url)), "../dist");
const { ObjectStore } = await import(join(dist, "store/object-store.js"));
const { RbacIndex } = await import(join(dist, "authz/rbac-index.js"));
const { Authorizer } = await import(join(dist, "authz/authorizer.js"));
const { bootstrapPolicy } = await import(join(dist, "authz/bootstrap-policy.js"));
const { ServiceAccountTokens } = await import(join(dist, "authz/service-account-tokens.js"));
const { JwtSigner } = await import(join(dist, "authz/jwt.js"));

const ROLES = "rbac.authorization.k8s.io/clusterroles";
const BINDINGS = "rbac.authorization.k8s.io/rolebindings";
const store = new ObjectStore();
const policy = bootstrapPolicy();
for (const r of policy.clusterRoles) store.put(ROLES, `/${r.metadata.name}`, structuredClone(r));
for (const b of policy.clusterRoleBindings)
  store.put("rbac.authorization.k8s.io/clusterrolebindings", `/${b.metadata.name}`, structuredClone(b));
// `edit` as the aggregation controller fills it.
const edit = store.get(ROLES, "/edit");
const rules = ["system:aggregate-to-edit", "system:aggregate-to-view"].flatMap((n) => store.get(ROLES, `/${n}`).rules);
store.put(ROLES, "/edit", { ...edit, metadata: { ...edit.metadata }, rules });
const binding = (name, subject) => ({
  metadata: { name, namespace: "bench" },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
  subjects: [subject],
});
for (let i = 0; i < 200; i++)
  store.put(BINDINGS, `bench/other-${i}`, binding(`other-${i}`, { kind: "User", name: `u${i}` }));
store.put(BINDINGS, "bench/writer", binding("writer", { kind: "ServiceAccount", name: "writer", namespace: "bench" }));
store.put("/serviceaccounts", "bench/writer", { metadata: { name: "writer", namespace: "bench", uid: "uid-1" } });

const authorizer = new Authorizer(new RbacIndex(store));
const tokens = new ServiceAccountTokens(store);
const token = tokens.issue({
  namespace: "bench",
  name: "writer",
  uid: "uid-1",
  audiences: ["https://kubernetes.default.svc.cluster.local"],
  expirationSeconds: 3600,
}).token;
const attrs = {
  user: tokens.authenticate(token),
  verb: "patch",
  resourceRequest: true,
  group: "apps",
  version: "v1",
  namespace: "bench",
  resource: "deployments",
  subresource: "",
  name: "d-1",
  path: "",
};

function time(label, n, fn) {
  for (let i = 0; i < Math.min(n, 1000); i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  console.log(`${label}: ${(((performance.now() - t0) * 1000) / n).toFixed(2)} µs`);
}

time("ServiceAccount token + RBAC decision", 200_000, () => {
  if (!authorizer.authorize({ ...attrs, user: tokens.authenticate(token) }).allowed) throw new Error("denied");
});
time("RBAC decision", 200_000, () => authorizer.authorize(attrs));
const admin = { name: "sluice-admin", groups: ["system:masters", "system:authenticated"] };
time("admin (system:masters) decision", 200_000, () => authorizer.authorize({ ...attrs, user: admin }));
const signer = JwtSigner.generate();
const signed = signer.sign({ sub: "x" });
time("uncached ES256 signature check", 2_000, () => signer.verify(signed));
time("re-index after an RBAC change + decision", 500, () => {
  store.put(BINDINGS, "bench/other-0", binding("other-0", { kind: "User", name: "u0" }));
  authorizer.authorize(attrs);
});
