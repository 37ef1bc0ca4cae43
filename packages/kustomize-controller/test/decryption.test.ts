// SOPS decryption end to end: a Git repository with an age-encrypted Secret and an encrypted secretGenerator
// input, the real source-controller, and the kustomize-controller with `spec.decryption`.
import type { UnstructuredObject } from "@sluice/runtime";
import { type AgeKey, ageKeygen, sopsEncrypt, tempDir } from "@sluice/testkit";
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

const NS = "secrets";
const PASSWORD = "correct-horse-battery-staple";
const API_KEY = "ak-0123456789";

const secretYaml = `apiVersion: v1
kind: Secret
metadata:
  name: db
type: Opaque
stringData:
  username: app
  password: ${PASSWORD}
`;

function decoded(obj: UnstructuredObject | undefined): Record<string, string> {
  const data = (obj?.["data"] ?? {}) as Record<string, string>;
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
}

describe("Kustomization with SOPS decryption (age)", () => {
  let env: KustomizeEnv;
  let key: AgeKey;
  let other: AgeKey;
  let sha: string;
  let removeKeys: () => Promise<void>;

  beforeAll(async () => {
    const dir = await tempDir("kc-sops-keys-");
    removeKeys = dir.remove;
    key = await ageKeygen(dir.path, "cluster");
    other = await ageKeygen(dir.path, "other");
    env = await startKustomizeEnv(NS);
    for (const [name, k] of [
      ["sops-age", key],
      ["sops-other", other],
    ] as const) {
      await env.client.create({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { namespace: NS, name },
        data: { "identity.agekey": Buffer.from(k.file).toString("base64") },
      } as UnstructuredObject);
    }
    const rule = { recipients: [key.recipient], encryptedRegex: "^(data|stringData)$" };
    sha = await commitAndPush(env, {
      "deploy/kustomization.yaml": [
        "resources:",
        "  - secret.yaml",
        "generatorOptions:",
        "  disableNameSuffixHash: true",
        "secretGenerator:",
        "  - name: api",
        "    envs:",
        "      - api.env",
        "",
      ].join("\n"),
      "deploy/secret.yaml": await sopsEncrypt(secretYaml, "yaml", rule),
      "deploy/api.env": await sopsEncrypt(`API_KEY=${API_KEY}\n`, "dotenv", { recipients: [key.recipient] }),
      "mixed/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mixed-cm\ndata:\n  k: v\n",
      "mixed/secret.yaml": await sopsEncrypt(secretYaml.replace("name: db", "name: mixed-db"), "yaml", rule),
    });
    await createGitRepository(env);
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
    await removeKeys?.();
  });

  const get = (kind: string, name: string) =>
    env.client.getOptional<UnstructuredObject>({ apiVersion: "v1", kind, namespace: NS, name });

  it("applies the Secret and the generated Secret decrypted", { timeout: 120_000 }, async () => {
    await createKustomization(env, "app", {
      path: "./deploy",
      targetNamespace: NS,
      decryption: { provider: "sops", secretRef: { name: "sops-age" } },
    });
    const k = await waitForKustomization(env, "app", appliedRevision(sha), "decrypted and applied");
    expect(decoded(await get("Secret", "db"))).toEqual({ username: "app", password: PASSWORD });
    expect(decoded(await get("Secret", "api"))).toEqual({ API_KEY });
    const db = await get("Secret", "db");
    expect(db?.["sops"]).toBeUndefined();
    expect(k.status?.inventory?.entries).toEqual(
      expect.arrayContaining([
        { id: `${NS}_db__Secret`, v: "v1" },
        { id: `${NS}_api__Secret`, v: "v1" },
      ]),
    );
    const everything = JSON.stringify([k, env.sink.events]);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(API_KEY);
  });

  it("with a key that does not match, reports BuildFailed naming the object and applies nothing", {
    timeout: 120_000,
  }, async () => {
    await createKustomization(env, "wrong-key", {
      path: "./mixed",
      targetNamespace: NS,
      decryption: { provider: "sops", secretRef: { name: "sops-other" } },
    });
    const k = await waitForKustomization(
      env,
      "wrong-key",
      (o) => conditionOf(o, "Ready")?.status === "False" && conditionOf(o, "Ready")?.reason === "BuildFailed",
      "Ready=False BuildFailed",
    );
    const message = conditionOf(k, "Ready")?.message ?? "";
    expect(message).toContain("decryption failed for 'Secret/");
    expect(message).toContain("mixed-db");
    expect(message).toContain(`age recipient ${key.recipient}`);
    expect(message).not.toContain(PASSWORD);
    expect(await get("ConfigMap", "mixed-cm")).toBeUndefined();
    expect(await get("Secret", "mixed-db")).toBeUndefined();
    expect(JSON.stringify(env.sink.events)).not.toContain(PASSWORD);
  });

  it("without spec.decryption, refuses to apply the encrypted Secret (Flux's message)", {
    timeout: 120_000,
  }, async () => {
    await createKustomization(env, "no-decryption", { path: "./mixed", targetNamespace: NS });
    const k = await waitForKustomization(
      env,
      "no-decryption",
      (o) => conditionOf(o, "Ready")?.status === "False",
      "Ready=False",
    );
    expect(conditionOf(k, "Ready")?.message).toContain(
      "is SOPS encrypted, configuring decryption is required for this secret to be reconciled",
    );
    expect(await get("ConfigMap", "mixed-cm")).toBeUndefined();
  });
});
