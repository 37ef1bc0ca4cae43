// A Kustomization whose source is a Bucket, end to end: objects in a real S3-compatible server (s3rver) are
// fetched by `sluice up`'s source-controller and applied by its kustomize-controller; a changed object gives
// a new `sha256:` revision that is applied in turn.

import { type S3Server, startS3Server } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type GitOpsEnv, hasController, readyCondition, startGitOpsEnv } from "../support/gitops-env.js";

const NS = "flux-system";
const APP_NS = "bucket-app";

const configMap = (greeting: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: ${APP_NS}
data:
  greeting: ${greeting}
`;

describe.skipIf(!hasController("kustomize-controller"))("Kustomization from a Bucket", () => {
  let env: GitOpsEnv;
  let s3: S3Server;

  beforeAll(async () => {
    s3 = await startS3Server({ buckets: ["app"] });
    env = await startGitOpsEnv(["source-controller", "kustomize-controller"]);
  });

  afterAll(async () => {
    await env?.stop();
    await s3?.stop();
  });

  async function bucketRevision(previous?: string): Promise<string> {
    return eventually("Bucket app to store a new revision", async () => {
      const bucket = await env.get("bucket", "app", NS);
      const revision = (bucket?.["status"] as { artifact?: { revision?: string } } | undefined)?.artifact?.revision;
      return readyCondition(bucket)?.status === "True" && revision !== previous ? revision : undefined;
    });
  }

  async function appliedRevision(revision: string): Promise<void> {
    await eventually(`Kustomization app to apply ${revision}`, async () => {
      const ks = await env.get("kustomization", "app", NS);
      const status = ks?.["status"] as { lastAppliedRevision?: string } | undefined;
      return status?.lastAppliedRevision === revision && readyCondition(ks)?.status === "True";
    });
  }

  async function greeting(): Promise<string | undefined> {
    const cm = await env.get("configmap", "settings", APP_NS);
    return (cm?.["data"] as { greeting?: string } | undefined)?.greeting;
  }

  it("applies the bucket's objects, then a changed object's new revision", async () => {
    await s3.putObject(
      "app",
      "deploy/namespace.yaml",
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${APP_NS}\n`,
    );
    await s3.putObject("app", "deploy/configmap.yaml", configMap("hello"));
    await s3.putObject("app", "README.md", "not applied: outside the path\n");
    await env.kubectlOk(
      ["apply", "-f", "-"],
      `apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: app
  namespace: ${NS}
spec:
  interval: 10m
  provider: generic
  bucketName: app
  endpoint: ${s3.endpoint}
  insecure: true
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app
  namespace: ${NS}
spec:
  interval: 10m
  prune: true
  path: ./deploy
  sourceRef:
    kind: Bucket
    name: app
`,
    );
    const first = await bucketRevision();
    expect(first).toMatch(/^sha256:[0-9a-f]{64}$/);
    await appliedRevision(first);
    expect(await greeting()).toBe("hello");

    await s3.putObject("app", "deploy/configmap.yaml", configMap("changed"));
    await env.requestReconcile("bucket", "app", NS);
    const second = await bucketRevision(first);
    await appliedRevision(second);
    expect(await greeting()).toBe("changed");
  });
});
