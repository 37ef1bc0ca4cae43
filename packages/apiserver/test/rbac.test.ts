// RBAC with the real kubectl: ServiceAccount tokens (TokenRequest, legacy Secrets), `kubectl auth can-i` and
// `whoami` answered from the same rules that decide requests, 403 bodies in kube's words, impersonation and
// escalation refused, ClusterRole aggregation.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCluster, type TestCluster } from "./helpers/cluster.js";
import { apiRequest } from "./helpers/http.js";

const NS = "team-a";
const SA_USER = `system:serviceaccount:${NS}:dev`;
const SA_GROUPS = '["system:serviceaccounts" "system:serviceaccounts:team-a" "system:authenticated"]';

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("RBAC and ServiceAccount tokens", () => {
  let c: TestCluster;
  let token: string;
  /** kubectl as the ServiceAccount team-a/dev (its token overrides the admin's). */
  const asDev = (args: string[], input?: string) => c.kubectl(["--token", token, ...args], input);

  beforeAll(async () => {
    c = await startTestCluster();
    await c.kubectlOk(["create", "namespace", NS]);
    await c.kubectlOk(["create", "namespace", "team-b"]);
    await c.kubectlOk(["create", "serviceaccount", "dev", "-n", NS]);
    await c.kubectlOk(
      ["apply", "-f", "-"],
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: dev, namespace: ${NS}}
rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get, list, create]
  - apiGroups: [""]
    resources: [secrets]
    resourceNames: [allowed]
    verbs: [get]
  - apiGroups: [apps]
    resources: [deployments/status]
    verbs: [get]
  - apiGroups: [rbac.authorization.k8s.io]
    resources: [roles, rolebindings]
    verbs: [create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev, namespace: ${NS}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: dev}
subjects: [{kind: ServiceAccount, name: dev}]
`,
    );
    token = (await c.kubectlOk(["create", "token", "dev", "-n", NS])).trim();
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
  });

  it("kubectl create token issues a bound, expiring ServiceAccount token", async () => {
    const [, payload] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8"));
    expect(claims).toMatchObject({
      iss: "https://kubernetes.default.svc.cluster.local",
      aud: ["https://kubernetes.default.svc.cluster.local"],
      sub: SA_USER,
      "kubernetes.io": { namespace: NS, serviceaccount: { name: "dev" } },
    });
    expect(claims.exp - claims.iat).toBe(3600);
    const long = (await c.kubectlOk(["create", "token", "dev", "-n", NS, "--duration=2h"])).trim();
    const longClaims = JSON.parse(Buffer.from(long.split(".")[1]!, "base64url").toString("utf8"));
    expect(longClaims.exp - longClaims.iat).toBe(7200);
    const short = await c.kubectl(["create", "token", "dev", "-n", NS, "--duration=1m"]);
    expect(short.code).not.toBe(0);
    expect(short.stderr).toContain(
      'TokenRequest.authentication.k8s.io "dev" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
    );
    const missing = await c.kubectl(["create", "token", "nobody", "-n", NS]);
    expect(missing.stderr).toContain('serviceaccounts "nobody" not found');
  });

  it("kubectl auth whoami shows the ServiceAccount identity and groups", async () => {
    const r = await asDev(["auth", "whoami", "-o", "json"]);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout).status.userInfo;
    expect(info.username).toBe(SA_USER);
    expect(info.groups).toEqual(["system:serviceaccounts", `system:serviceaccounts:${NS}`, "system:authenticated"]);
    expect(info.extra["authentication.kubernetes.io/credential-id"][0]).toMatch(/^JTI=/);
    const admin = JSON.parse(await c.kubectlOk(["auth", "whoami", "-o", "json"])).status.userInfo;
    expect(admin.groups).toContain("system:masters");
  });

  it("kubectl auth can-i answers exactly from the bound rules", async () => {
    const cases: [string[], string][] = [
      [["create", "configmaps", "-n", NS], "yes"],
      [["delete", "configmaps", "-n", NS], "no"],
      [["create", "configmaps", "-n", "team-b"], "no"],
      [["list", "configmaps", "--all-namespaces"], "no"],
      [["get", "secrets/allowed", "-n", NS], "yes"],
      [["get", "secrets/other", "-n", NS], "no"],
      [["list", "secrets", "-n", NS], "no"],
      [["get", "deployments", "--subresource=status", "-n", NS], "yes"],
      [["get", "deployments", "-n", NS], "no"],
      [["get", "/api"], "yes"],
      [["get", "/metrics"], "no"],
      [["create", "selfsubjectaccessreviews"], "yes"],
    ];
    for (const [args, answer] of cases) {
      const r = await asDev(["auth", "can-i", ...args]);
      expect(`${args.join(" ")}: ${r.stdout.trim()}`).toBe(`${args.join(" ")}: ${answer}`);
      expect(r.code).toBe(answer === "yes" ? 0 : 1);
    }
    expect((await c.kubectl(["auth", "can-i", "*", "*"])).stdout.trim()).toBe("yes");
    // The admin asks about the ServiceAccount (SubjectAccessReview through --as).
    const asSa = await c.kubectl(["auth", "can-i", "create", "configmaps", "-n", NS, `--as=${SA_USER}`]);
    expect(asSa.stdout.trim()).toBe("yes");
  });

  it("kubectl auth can-i --list lists the rules in force in the namespace", async () => {
    const r = await asDev(["auth", "can-i", "--list", "-n", NS]);
    expect(r.code).toBe(0);
    const rows = r.stdout.split("\n").map((l) => l.trim().split(/\s{2,}/));
    expect(rows).toContainEqual(["configmaps", "[]", "[]", "[get list create]"]);
    expect(rows).toContainEqual(["secrets", "[]", "[allowed]", "[get]"]);
    expect(rows).toContainEqual(["deployments.apps/status", "[]", "[]", "[get]"]);
    expect(rows).toContainEqual(["selfsubjectreviews.authentication.k8s.io", "[]", "[]", "[create]"]);
    expect(r.stdout).not.toMatch(/^\*\.\*/m);
    const elsewhere = await asDev(["auth", "can-i", "--list", "-n", "team-b"]);
    expect(elsewhere.stdout).not.toContain("configmaps");
  });

  it("answers 403 in kube's words for resources, cluster scope, names and paths", async () => {
    const list = await asDev(["get", "secrets", "-n", NS]);
    expect(list.stderr.trim()).toBe(
      `Error from server (Forbidden): secrets is forbidden: User "${SA_USER}" cannot list resource "secrets" in API group "" in the namespace "${NS}"`,
    );
    const named = await asDev(["get", "secret", "other", "-n", NS]);
    expect(named.stderr.trim()).toBe(
      `Error from server (Forbidden): secrets "other" is forbidden: User "${SA_USER}" cannot get resource "secrets" in API group "" in the namespace "${NS}"`,
    );
    const cluster = await asDev(["get", "namespaces"]);
    expect(cluster.stderr.trim()).toBe(
      `Error from server (Forbidden): namespaces is forbidden: User "${SA_USER}" cannot list resource "namespaces" in API group "" at the cluster scope`,
    );
    const path = await asDev(["get", "--raw", "/metrics"]);
    expect(path.stderr.trim()).toBe(
      `Error from server (Forbidden): forbidden: User "${SA_USER}" cannot get path "/metrics"`,
    );
    const r = await apiRequest(c.server, "GET", `/apis/apps/v1/namespaces/${NS}/deployments`, { token });
    expect(r.status).toBe(403);
    expect(r.json()).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: `deployments.apps is forbidden: User "${SA_USER}" cannot list resource "deployments" in API group "apps" in the namespace "${NS}"`,
      reason: "Forbidden",
      details: { group: "apps", kind: "deployments" },
      code: 403,
    });
    // What the rules allow works: discovery for any authenticated user, and the granted writes.
    expect((await asDev(["api-resources", "-o", "name"])).code).toBe(0);
    expect((await asDev(["create", "configmap", "mine", "-n", NS, "--from-literal=a=1"])).code).toBe(0);
  });

  it("refuses impersonation without the impersonate verb, and applies the ServiceAccount's groups when allowed", async () => {
    const r = await asDev(["get", "configmaps", "-n", NS, "--as=alice"]);
    expect(r.stderr.trim()).toBe(
      `Error from server (Forbidden): users "alice" is forbidden: User "${SA_USER}" cannot impersonate resource "users" in API group "" at the cluster scope`,
    );
    const self = await asDev(["get", "configmaps", "-n", NS, `--as=${SA_USER}`]);
    expect(self.stderr.trim()).toBe(
      `Error from server (Forbidden): serviceaccounts "dev" is forbidden: User "${SA_USER}" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "${NS}"`,
    );
    // Allowed to impersonate the user bob, but not the group system:masters along with him.
    await c.kubectlOk([
      "create",
      "clusterrole",
      "impersonate-bob",
      "--verb=impersonate",
      "--resource=users",
      "--resource-name=bob",
    ]);
    await c.kubectlOk([
      "create",
      "clusterrolebinding",
      "dev-impersonates-bob",
      "--clusterrole=impersonate-bob",
      `--serviceaccount=${NS}:dev`,
    ]);
    const bob = await asDev(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}", "--as=bob"]);
    expect(bob.stdout).toBe("bob");
    const g = await asDev(["get", "configmaps", "-n", NS, "--as=bob", "--as-group=system:masters"]);
    expect(g.stderr.trim()).toBe(
      `Error from server (Forbidden): groups "system:masters" is forbidden: User "${SA_USER}" cannot impersonate resource "groups" in API group "" at the cluster scope`,
    );
    // The admin may impersonate; the ServiceAccount's groups come with its user name.
    const who = JSON.parse(await c.kubectlOk(["auth", "whoami", "-o", "json", `--as=${SA_USER}`])).status.userInfo;
    expect(who.groups).toEqual(["system:serviceaccounts", `system:serviceaccounts:${NS}`, "system:authenticated"]);
    // Extra attributes need `impersonate` on userextras/<key> too.
    const review = JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" });
    const ssr = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
    const extraHeaders = { "Impersonate-User": "bob", "Impersonate-Extra-Scopes": "view" };
    const asAdmin = await apiRequest(c.server, "POST", ssr, { body: review, headers: extraHeaders });
    expect(asAdmin.json<{ status: { userInfo: unknown } }>().status.userInfo).toEqual({
      username: "bob",
      groups: ["system:authenticated"],
      extra: { scopes: ["view"] },
    });
    const asSa = await apiRequest(c.server, "POST", ssr, { body: review, headers: extraHeaders, token });
    expect(asSa.status).toBe(403);
    expect(asSa.json<{ message: string }>().message).toBe(
      `userextras.authentication.k8s.io "view" is forbidden: User "${SA_USER}" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope`,
    );
    const denied = await c.kubectl(["get", "secrets", "-n", NS, `--as=${SA_USER}`]);
    expect(denied.stderr).toContain(`User "${SA_USER}" cannot list resource "secrets"`);
  });

  it("answers TokenReviews with the token's user, for callers bound to system:auth-delegator only", async () => {
    const path = "/apis/authentication.k8s.io/v1/tokenreviews";
    const review = (spec: object) =>
      JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec });
    const ok = await apiRequest(c.server, "POST", path, { body: review({ token }) });
    expect(ok.status).toBe(201);
    expect(ok.json<{ status: unknown }>().status).toEqual({
      authenticated: true,
      user: {
        username: SA_USER,
        uid: expect.any(String),
        groups: ["system:serviceaccounts", `system:serviceaccounts:${NS}`, "system:authenticated"],
        extra: expect.any(Object),
      },
      audiences: ["https://kubernetes.default.svc.cluster.local"],
    });
    const unknown = await apiRequest(c.server, "POST", path, { body: review({ token: "not-a-token" }) });
    expect(unknown.json<{ status: unknown }>().status).toEqual({ user: {} });
    const elsewhere = await apiRequest(c.server, "POST", path, { body: review({ token, audiences: ["vault"] }) });
    expect(elsewhere.json<{ status: { authenticated?: boolean; error?: string } }>().status).toMatchObject({
      user: {},
      error: expect.stringContaining("vault"),
    });
    expect((await apiRequest(c.server, "POST", path, { body: review({}) })).status).toBe(400);
    // The ServiceAccount may not review tokens until bound to system:auth-delegator.
    expect((await apiRequest(c.server, "POST", path, { body: review({ token }), token })).status).toBe(403);
    await c.kubectlOk([
      "create",
      "clusterrolebinding",
      "dev-auth-delegator",
      "--clusterrole=system:auth-delegator",
      `--serviceaccount=${NS}:dev`,
    ]);
    const delegated = await apiRequest(c.server, "POST", path, { body: review({ token }), token });
    expect(delegated.json<{ status: { authenticated?: boolean } }>().status.authenticated).toBe(true);
  });

  it("refuses Roles and bindings that grant more than the writer holds, unless it may escalate or bind", async () => {
    const grab = await asDev(
      ["create", "-f", "-"],
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: grab, namespace: ${NS}}
rules:
  - apiGroups: [""]
    resources: [secrets, configmaps]
    verbs: [get, delete]
`,
    );
    expect(grab.stderr.trim()).toBe(
      `Error from server (Forbidden): error when creating "STDIN": roles.rbac.authorization.k8s.io "grab" is forbidden: user "${SA_USER}" (groups=${SA_GROUPS}) is attempting to grant RBAC permissions not currently held:
{APIGroups:[""], Resources:["configmaps"], Verbs:["delete"]}
{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}`,
    );
    const subset = await asDev(["create", "role", "readers", "-n", NS, "--verb=get", "--resource=configmaps"]);
    expect(subset.code).toBe(0);
    const bindAdmin = await asDev([
      "create",
      "rolebinding",
      "take-admin",
      "-n",
      NS,
      "--clusterrole=admin",
      `--user=mallory`,
    ]);
    expect(bindAdmin.stderr).toContain(
      `rolebindings.rbac.authorization.k8s.io "take-admin" is forbidden: user "${SA_USER}" (groups=${SA_GROUPS}) is attempting to grant RBAC permissions not currently held:`,
    );
    const bindOwn = await asDev(["create", "rolebinding", "share", "-n", NS, "--role=readers", "--user=friend"]);
    expect(bindOwn.code).toBe(0);
    // With `bind` on the ClusterRole the same binding is allowed.
    await c.kubectlOk([
      "create",
      "role",
      "binder",
      "-n",
      NS,
      "--verb=bind",
      "--resource=clusterroles.rbac.authorization.k8s.io",
      "--resource-name=admin",
    ]);
    await c.kubectlOk(["create", "rolebinding", "binder", "-n", NS, "--role=binder", `--serviceaccount=${NS}:dev`]);
    const allowed = await asDev([
      "create",
      "rolebinding",
      "take-admin",
      "-n",
      NS,
      "--clusterrole=admin",
      "--user=mallory",
    ]);
    expect(allowed.stderr).toBe("");
    expect(allowed.code).toBe(0);
  });

  it("aggregates labelled ClusterRoles into view/edit/admin", async () => {
    await c.kubectlOk(
      ["apply", "-f", "-"],
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: leases-view
  labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}
rules:
  - apiGroups: [coordination.k8s.io]
    resources: [leases]
    verbs: [get, list, watch]
`,
    );
    for (const role of ["view", "edit", "admin"]) {
      await until(async () => {
        const out = await c.kubectlOk(["get", "clusterrole", role, "-o", "json"]);
        const rules = JSON.parse(out).rules as { apiGroups?: string[] }[];
        return rules.some((r) => r.apiGroups?.includes("coordination.k8s.io")) ? true : undefined;
      }, `${role} to aggregate leases`);
    }
    await c.kubectlOk([
      "create",
      "rolebinding",
      "dev-view",
      "-n",
      NS,
      "--clusterrole=view",
      `--serviceaccount=${NS}:dev`,
    ]);
    expect((await asDev(["auth", "can-i", "list", "leases.coordination.k8s.io", "-n", NS])).stdout.trim()).toBe("yes");
    await c.kubectlOk(["delete", "clusterrole", "leases-view"]);
    await until(async () => {
      const out = await c.kubectlOk(["get", "clusterrole", "view", "-o", "json"]);
      return JSON.stringify(JSON.parse(out).rules).includes("coordination.k8s.io") ? undefined : true;
    }, "view to drop leases");
    expect((await asDev(["auth", "can-i", "list", "leases.coordination.k8s.io", "-n", NS])).stdout.trim()).toBe("no");
  });

  it("refuses tokens of deleted ServiceAccounts, for other audiences, and fills legacy token Secrets", async () => {
    await c.kubectlOk(["create", "serviceaccount", "temp", "-n", NS]);
    const temp = (await c.kubectlOk(["create", "token", "temp", "-n", NS])).trim();
    const vault = (await c.kubectlOk(["create", "token", "temp", "-n", NS, "--audience=vault"])).trim();
    expect((await apiRequest(c.server, "GET", "/api", { token: temp })).status).toBe(200);
    expect((await apiRequest(c.server, "GET", "/api", { token: vault })).status).toBe(401);
    expect((await apiRequest(c.server, "GET", "/api", { token: `${temp.slice(0, -4)}AAAA` })).status).toBe(401);
    await c.kubectlOk(
      ["apply", "-f", "-"],
      `apiVersion: v1
kind: Secret
metadata:
  name: temp-token
  namespace: ${NS}
  annotations: {kubernetes.io/service-account.name: temp}
type: kubernetes.io/service-account-token
`,
    );
    const legacy = await until(async () => {
      const t = await c.kubectlOk(["get", "secret", "temp-token", "-n", NS, "-o", "jsonpath={.data.token}"]);
      return t === "" ? undefined : Buffer.from(t, "base64").toString("utf8");
    }, "the token controller to fill the Secret");
    const whoami = await c.kubectl(["--token", legacy, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]);
    expect(whoami.stdout).toBe(`system:serviceaccount:${NS}:temp`);
    // A token bound to a Secret stops working when the Secret goes.
    await c.kubectlOk(["create", "secret", "generic", "anchor", "-n", NS, "--from-literal=a=1"]);
    const bound = (
      await c.kubectlOk([
        "create",
        "token",
        "temp",
        "-n",
        NS,
        "--bound-object-kind=Secret",
        "--bound-object-name=anchor",
      ])
    ).trim();
    const boundClaims = JSON.parse(Buffer.from(bound.split(".")[1]!, "base64url").toString("utf8"));
    expect(boundClaims["kubernetes.io"].secret.name).toBe("anchor");
    expect((await apiRequest(c.server, "GET", "/api", { token: bound })).status).toBe(200);
    await c.kubectlOk(["delete", "secret", "anchor", "-n", NS]);
    expect((await apiRequest(c.server, "GET", "/api", { token: bound })).status).toBe(401);
    await c.kubectlOk(["delete", "serviceaccount", "temp", "-n", NS]);
    expect((await apiRequest(c.server, "GET", "/api", { token: temp })).status).toBe(401);
    expect((await apiRequest(c.server, "GET", "/api", { token: legacy })).status).toBe(401);
  });

  it("validates RBAC objects as kube does: rules, subjects, role kinds, and a roleRef that cannot change", async () => {
    const role = await c.kubectl(
      ["create", "-f", "-"],
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: bad, namespace: ${NS}}
rules:
  - resources: [pods]
    verbs: [get]
  - nonResourceURLs: [/healthz]
    verbs: [get]
`,
    );
    expect(role.stderr.trim()).toBe(
      `The Role "bad" is invalid: 
* rules[0].apiGroups: Required value: resource rules must supply at least one api group
* rules[1].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs`,
    );
    const crb = await c.kubectl(
      ["create", "-f", "-"],
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: bad}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: dev}
subjects: [{kind: ServiceAccount, name: dev}, {kind: Robot, name: r2}]
`,
    );
    expect(crb.stderr).toContain("subjects[0].namespace: Required value");
    expect(crb.stderr).toContain(
      'subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
    );
    expect(crb.stderr).toContain('roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"');
    await c.kubectlOk(
      ["create", "-f", "-"],
      `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: fixed, namespace: ${NS}}
roleRef: {kind: ClusterRole, name: view}
subjects: [{kind: User, name: carol}]
`,
    );
    const groups = await c.kubectlOk([
      "get",
      "rolebinding",
      "fixed",
      "-n",
      NS,
      "-o",
      "jsonpath={.roleRef.apiGroup} {.subjects[0].apiGroup}",
    ]);
    // Both apiGroups are defaulted, as rbac/v1's defaults do.
    expect(groups).toBe("rbac.authorization.k8s.io rbac.authorization.k8s.io");
    const change = await c.kubectl([
      "patch",
      "rolebinding",
      "fixed",
      "-n",
      NS,
      "--type=merge",
      "-p",
      '{"roleRef":{"name":"edit"}}',
    ]);
    expect(change.stderr.trim()).toBe(
      `The RoleBinding "fixed" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef`,
    );
  });

  it("anonymous requests reach only version and health", async () => {
    expect((await apiRequest(c.server, "GET", "/version", { token: null })).status).toBe(200);
    expect((await apiRequest(c.server, "GET", "/api", { token: null })).status).toBe(401);
  });
});
