// The reconciler with spec.decryption end to end: an age-encrypted Secret committed to Git is applied
// decrypted; without spec.decryption nothing is applied and the Secret is named.

import type { UnstructuredObject } from "@sluice/runtime";
import { type AgeKey, ageKeygen, ensureNamespace, sopsEncrypt, tempDir } from "@sluice/testkit";
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

const NS = "secure";

describe("Kustomization with SOPS decryption", () => {
  let env: KustomizeEnv;
  let key: AgeKey;
  let keyDir: { path: string; remove: () => Promise<void> };
  let sha: string;

  beforeAll(async () => {
    env = await startKustomizeEnv(NS);
    keyDir = await tempDir("kc-age-");
    key = await ageKeygen(keyDir.path);
    const plain = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: ${NS}
type: Opaque
stringData:
  password: s3cr3t-Pa55
`;
    const encrypted = await sopsEncrypt(plain, "yaml", {
      recipients: [key.recipient],
      encryptedRegex: "^(data|stringData)$",
    });
    expect(encrypted).not.toContain("s3cr3t-Pa55");
    const encryptedEnv = await sopsEncrypt("PASSWORD=g3n-S3cret\n", "dotenv", { recipients: [key.recipient] });
    sha = await commitAndPush(env, {
      "generated/kustomization.yaml": [
        "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization",
        "generatorOptions: {disableNameSuffixHash: true}",
        "secretGenerator:",
        "- name: generated",
        "  envs: [secret.env]",
        "",
      ].join("\n"),
      "generated/secret.env": encryptedEnv,
      "secrets/secret.yaml": encrypted,
      "secrets/config.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n  namespace: ${NS}\ndata:\n  a: "1"\n`,
    });
    await createGitRepository(env);
    await env.client.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { namespace: NS, name: "sops-age" },
      data: { "identity.agekey": Buffer.from(key.file).toString("base64") },
    });
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
    await keyDir?.remove();
  }, 30_000);

  it("without spec.decryption the build fails naming the Secret and nothing is applied", async () => {
    await createKustomization(env, "no-keys", { path: "./secrets" });
    const k = await waitForKustomization(
      env,
      "no-keys",
      (o) => conditionOf(o, "Ready")?.reason === "BuildFailed",
      "build failed",
    );
    expect(conditionOf(k, "Ready")?.message).toContain(
      `Secret/${NS}/db is SOPS encrypted, configuring decryption is required for this secret to be reconciled`,
    );
    expect(
      await env.client.getOptional({ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "plain" }),
    ).toBeUndefined();
    expect(
      await env.client.getOptional({ apiVersion: "v1", kind: "Secret", namespace: NS, name: "db" }),
    ).toBeUndefined();
  });

  it("applies the SOPS-encrypted Secret decrypted with the keys of spec.decryption.secretRef", async () => {
    await createKustomization(env, "with-keys", {
      path: "./secrets",
      decryption: { provider: "sops", secretRef: { name: "sops-age" } },
    });
    const k = await waitForKustomization(env, "with-keys", appliedRevision(sha), "applied");
    const secret = await env.client.get<UnstructuredObject>({
      apiVersion: "v1",
      kind: "Secret",
      namespace: NS,
      name: "db",
    });
    const data = secret["data"] as Record<string, string>;
    expect(Buffer.from(data["password"] ?? "", "base64").toString()).toBe("s3cr3t-Pa55");
    expect(secret["sops"]).toBeUndefined();
    // The plaintext never shows up in status or events.
    expect(JSON.stringify(k.status)).not.toContain("s3cr3t-Pa55");
    expect(JSON.stringify(env.sink.events)).not.toContain("s3cr3t-Pa55");
  });

  it("a generator input decrypted for one Kustomization never reaches another built from the same artifact", async () => {
    // Both runs work on hard-linked copies of one shared extraction: the decrypted file must replace the link in
    // the first run's copy, not write through it into the extraction the second run links from.
    await createKustomization(env, "gen-keys", {
      path: "./generated",
      targetNamespace: NS,
      decryption: { provider: "sops", secretRef: { name: "sops-age" } },
    });
    await waitForKustomization(env, "gen-keys", appliedRevision(sha), "applied");
    const decrypted = await env.client.get<UnstructuredObject>({
      apiVersion: "v1",
      kind: "Secret",
      namespace: NS,
      name: "generated",
    });
    const password = (decrypted["data"] as Record<string, string>)["PASSWORD"] ?? "";
    expect(Buffer.from(password, "base64").toString()).toBe("g3n-S3cret");

    await ensureNamespace(env.client, "secure-other");
    await createKustomization(env, "gen-no-keys", { path: "./generated", targetNamespace: "secure-other" });
    await waitForKustomization(
      env,
      "gen-no-keys",
      (o) => (o.status?.lastAttemptedRevision ?? "").endsWith(sha) && conditionOf(o, "Ready")?.status !== "Unknown",
      "attempted",
    );
    const other = await env.client.getOptional<UnstructuredObject>({
      apiVersion: "v1",
      kind: "Secret",
      namespace: "secure-other",
      name: "generated",
    });
    const values = Object.values((other?.["data"] as Record<string, string> | undefined) ?? {});
    expect(values.map((v) => Buffer.from(v, "base64").toString())).not.toContain("g3n-S3cret");
    expect(JSON.stringify(other ?? {})).not.toContain("g3n-S3cret");
  }, 120_000);
});
