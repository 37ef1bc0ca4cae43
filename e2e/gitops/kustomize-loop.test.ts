// The GitOps loop end to end, as a user lives it: manifests committed to a Git repository served by
// `git http-backend` are applied by `sluice up`'s controllers and seen by kubectl; a manual `kubectl scale`
// is reverted; `git revert` + push rolls back; a removed file is pruned; a broken manifest leaves the last
// good revision running with a clear Ready=False message; a push announced by a GitHub-signed webhook to
// the Receiver of sluice up's notification-controller is applied without anyone asking the source.

import { createHmac } from "node:crypto";
import type { FixtureRepo } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type GitOpsEnv, hasController, readyCondition, startGitOpsEnv } from "../support/gitops-env.js";

const NS = "flux-system";
const APP_NS = "e2e-app";

const files = {
  "app/namespace.yaml": `apiVersion: v1
kind: Namespace
metadata:
  name: ${APP_NS}
`,
  "app/deployment.yaml": (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${APP_NS}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: ghcr.io/stefanprodan/podinfo:6.7.1
`,
  "app/configmap.yaml": (greeting: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: ${APP_NS}
data:
  greeting: ${greeting}
`,
};

describe.skipIf(!hasController("kustomize-controller"))("the GitOps loop (GitRepository → Kustomization)", () => {
  let env: GitOpsEnv;
  let repo: FixtureRepo;
  let url: string;

  /** Pushes, asks the source to fetch now, and waits until the Kustomization applied `commit` (Ready=True). */
  async function pushAndWaitApplied(commit: string): Promise<void> {
    await repo.push();
    await env.requestReconcile("gitrepository", "app", NS);
    await eventually(`Kustomization app to apply ${commit}`, async () => {
      const ks = await env.get("kustomization", "app", NS);
      const status = ks?.["status"] as { lastAppliedRevision?: string } | undefined;
      return status?.lastAppliedRevision === `main@sha1:${commit}` && readyCondition(ks)?.status === "True";
    });
  }

  async function replicas(): Promise<number | undefined> {
    const dep = await env.get("deployment", "web", APP_NS);
    return (dep?.["spec"] as { replicas?: number } | undefined)?.replicas;
  }

  beforeAll(async () => {
    env = await startGitOpsEnv();
    ({ repo, url } = await env.createRepo("app"));
  });

  afterAll(async () => {
    await env?.stop();
  });

  it("applies committed manifests; kubectl sees them and the Deployment becomes available", async () => {
    const commit = await repo.commit(
      {
        "app/namespace.yaml": files["app/namespace.yaml"],
        "app/deployment.yaml": files["app/deployment.yaml"](2),
        "app/configmap.yaml": files["app/configmap.yaml"]("hello"),
      },
      "add the web app",
    );
    await repo.push();
    await env.kubectlOk(
      ["apply", "-f", "-"],
      `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: app
  namespace: ${NS}
spec:
  url: ${url}
  ref: { branch: main }
  interval: 1m
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app
  namespace: ${NS}
spec:
  interval: 1m
  retryInterval: 2s
  timeout: 1m
  path: ./app
  prune: true
  wait: true
  sourceRef: { kind: GitRepository, name: app }
`,
    );
    await env.kubectlOk(["wait", "-n", NS, "kustomization/app", "--for=condition=Ready", "--timeout=180s"]);
    const ks = await env.get("kustomization", "app", NS);
    expect((ks?.["status"] as { lastAppliedRevision?: string } | undefined)?.lastAppliedRevision).toBe(
      `main@sha1:${commit}`,
    );
    expect(await env.kubectlOk(["get", "configmap", "settings", "-n", APP_NS, "-o", "jsonpath={.data.greeting}"])).toBe(
      "hello",
    );
    expect(
      await env.kubectlOk(["get", "deployment", "web", "-n", APP_NS, "-o", "jsonpath={.status.availableReplicas}"]),
    ).toBe("2");
    const labels = await env.kubectlOk(["get", "deployment", "web", "-n", APP_NS, "-o", "jsonpath={.metadata.labels}"]);
    expect(JSON.parse(labels)).toMatchObject({
      "kustomize.toolkit.fluxcd.io/name": "app",
      "kustomize.toolkit.fluxcd.io/namespace": NS,
    });
  });

  it("reverts a manual kubectl scale on the next reconcile", async () => {
    await env.kubectlOk(["scale", "deployment/web", "-n", APP_NS, "--replicas=5"]);
    expect(await replicas()).toBe(5);
    await env.requestReconcile("kustomization", "app", NS);
    await eventually("the drifted replicas to be reverted to 2", async () => (await replicas()) === 2);
  });

  it("rolls back with git revert + push", async () => {
    const upgrade = await repo.commit(
      {
        "app/deployment.yaml": files["app/deployment.yaml"](3),
        "app/configmap.yaml": files["app/configmap.yaml"]("v2"),
      },
      "scale to 3, greeting v2",
    );
    await pushAndWaitApplied(upgrade);
    expect(await replicas()).toBe(3);
    await repo.git(["revert", "--no-edit", "HEAD"]);
    const reverted = await repo.git(["rev-parse", "HEAD"]);
    await pushAndWaitApplied(reverted);
    expect(await replicas()).toBe(2);
    expect(await env.kubectlOk(["get", "configmap", "settings", "-n", APP_NS, "-o", "jsonpath={.data.greeting}"])).toBe(
      "hello",
    );
  });

  it("prunes the object of a removed file", async () => {
    await repo.git(["rm", "-q", "app/configmap.yaml"]);
    const removed = await repo.commit({}, "remove the settings ConfigMap");
    await pushAndWaitApplied(removed);
    await eventually("ConfigMap settings to be pruned", async () => {
      const r = await env.kubectl(["get", "configmap", "settings", "-n", APP_NS]);
      return r.code !== 0 && /NotFound|not found/.test(r.stderr);
    });
    expect(await replicas()).toBe(2);
  });

  it("keeps the last good revision running when a manifest is broken, with a clear Ready=False message", async () => {
    const good = await repo.git(["rev-parse", "HEAD"]);
    const broken = await repo.commit(
      { "app/broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: [oops\n" },
      "oops",
    );
    await repo.push();
    await env.requestReconcile("gitrepository", "app", NS);
    const failed = await eventually("Kustomization app to report the broken revision", async () => {
      const ks = await env.get("kustomization", "app", NS);
      const ready = readyCondition(ks);
      const status = ks?.["status"] as { lastAttemptedRevision?: string };
      return status.lastAttemptedRevision === `main@sha1:${broken}` && ready?.status === "False" ? ks : undefined;
    });
    const ready = readyCondition(failed);
    expect(ready?.reason).toBe("BuildFailed");
    expect(ready?.message).toMatch(/broken\.yaml/);
    expect((failed["status"] as { lastAppliedRevision?: string }).lastAppliedRevision).toBe(`main@sha1:${good}`);
    expect(
      await env.kubectlOk(["get", "deployment", "web", "-n", APP_NS, "-o", "jsonpath={.status.availableReplicas}"]),
    ).toBe("2");
  });

  it("recovers once the broken manifest is reverted", async () => {
    await repo.git(["revert", "--no-edit", "HEAD"]);
    const fixed = await repo.git(["rev-parse", "HEAD"]);
    await pushAndWaitApplied(fixed);
    const ready = readyCondition(await env.get("kustomization", "app", NS));
    expect(ready?.reason).toBe("ReconciliationSucceeded");
    expect(ready?.message).toBe(`Applied revision: main@sha1:${fixed}`);
  });

  it.skipIf(!hasController("notification-controller"))(
    "a GitHub-signed push webhook to the Receiver applies the pushed commit; a forged one is refused",
    async () => {
      const receiverUrl = env.session.controllers.find((c) => c.name === "notification-controller")?.addresses.receiver;
      expect(receiverUrl).toBeDefined();
      const token = "e2e-webhook-token";
      await env.kubectlOk(
        ["apply", "-f", "-"],
        `apiVersion: v1
kind: Secret
metadata: { name: github-webhook, namespace: ${NS} }
stringData: { token: ${token} }
---
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: { name: github, namespace: ${NS} }
spec:
  type: github
  events: [push]
  secretRef: { name: github-webhook }
  resources: [{ kind: GitRepository, name: app }]
`,
      );
      const path = await eventually("the Receiver's webhook path", async () => {
        const r = await env.get("receiver", "github", NS);
        return (r?.["status"] as { webhookPath?: string } | undefined)?.webhookPath;
      });
      const commit = await repo.commit(
        { "app/configmap.yaml": files["app/configmap.yaml"]("from-webhook") },
        "webhook",
      );
      await repo.push();
      const body = JSON.stringify({ ref: "refs/heads/main", after: commit });
      const call = async (key: string) => {
        const res = await fetch(`${receiverUrl}${path}`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "X-GitHub-Event": "push",
            "X-Hub-Signature-256": `sha256=${createHmac("sha256", key).update(body).digest("hex")}`,
          },
          body,
        });
        await res.body?.cancel();
        return res.status;
      };
      const requestedAt = async () =>
        (await env.get("gitrepository", "app", NS))?.metadata.annotations?.["reconcile.fluxcd.io/requestedAt"];
      const before = await requestedAt();
      expect(await call("forged")).toBe(400);
      expect(await requestedAt()).toBe(before);
      expect(await call(token)).toBe(200);
      expect(await requestedAt()).not.toBe(before);
      await eventually(`Kustomization app to apply ${commit}`, async () => {
        const ks = await env.get("kustomization", "app", NS);
        return (
          (ks?.["status"] as { lastAppliedRevision?: string } | undefined)?.lastAppliedRevision ===
          `main@sha1:${commit}`
        );
      });
      expect(
        await env.kubectlOk(["get", "configmap", "settings", "-n", APP_NS, "-o", "jsonpath={.data.greeting}"]),
      ).toBe("from-webhook");
    },
  );
});
