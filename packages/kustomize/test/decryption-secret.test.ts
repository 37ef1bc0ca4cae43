// createKustomizationDecryptor against the embedded API server: keys come from spec.decryption.secretRef.
import type { UnstructuredObject } from "@sluice/runtime";
import {
  type AgeKey,
  type ApiCluster,
  ageKeygen,
  ensureNamespace,
  sopsEncrypt,
  startApiCluster,
  tempDir,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createKustomizationDecryptor } from "../src/decrypt/index.js";

const NS = "team-a";

describe("createKustomizationDecryptor", () => {
  let cluster: ApiCluster;
  let key: AgeKey;
  let removeDir: () => Promise<void>;

  beforeAll(async () => {
    const dir = await tempDir("kc-sops-secret-");
    removeDir = dir.remove;
    key = await ageKeygen(dir.path);
    cluster = await startApiCluster();
    await ensureNamespace(cluster.client, NS);
    const secret = (name: string, data: Record<string, string>) =>
      cluster.client.create({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { namespace: NS, name },
        data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
      } as UnstructuredObject);
    await secret("sops-age", { "cluster.agekey": key.file, "README.txt": "ignored" });
    await secret("sops-bad", { "broken.agekey": "not a key" });
  });
  afterAll(async () => {
    await cluster?.stop();
    await removeDir?.();
  });

  const kustomization = (secretRef?: string) => ({
    metadata: { namespace: NS },
    spec: { decryption: { provider: "sops" as const, ...(secretRef ? { secretRef: { name: secretRef } } : {}) } },
  });

  it("is undefined without spec.decryption", async () => {
    expect(await createKustomizationDecryptor({ metadata: { namespace: NS }, spec: {} }, cluster.client)).toBe(
      undefined,
    );
  });

  it("imports the age identities of the referenced Secret in the Kustomization's namespace", async () => {
    const decryptor = await createKustomizationDecryptor(kustomization("sops-age"), cluster.client);
    const enc = await sopsEncrypt("kind: Secret\nmetadata:\n  name: s\ndata:\n  k: dg==\n", "yaml", {
      recipients: [key.recipient],
      encryptedRegex: "^data$",
    });
    expect(await decryptor?.decryptResource(parse(enc) as UnstructuredObject)).toMatchObject({ data: { k: "dg==" } });
  });

  it("fails naming the Secret when it does not exist", async () => {
    await expect(createKustomizationDecryptor(kustomization("missing"), cluster.client)).rejects.toThrow(
      `cannot get sops decryption Secret '${NS}/missing'`,
    );
  });

  it("fails naming the Secret and its key when a key is malformed", async () => {
    await expect(createKustomizationDecryptor(kustomization("sops-bad"), cluster.client)).rejects.toThrow(
      `failed to import 'broken.agekey' data from sops decryption Secret '${NS}/sops-bad': line 1 is not an age identity`,
    );
  });

  it("without secretRef, files needing a key fail with the recipients they were encrypted for", async () => {
    const decryptor = await createKustomizationDecryptor(kustomization(), cluster.client);
    const enc = await sopsEncrypt("kind: Secret\nmetadata:\n  name: s\ndata:\n  k: dg==\n", "yaml", {
      recipients: [key.recipient],
      encryptedRegex: "^data$",
    });
    await expect(decryptor?.decryptResource(parse(enc) as UnstructuredObject)).rejects.toThrow(
      `decryption failed for 'Secret/s': cannot get sops data key: none of the decryption keys (0 age identities, 0 PGP keys) matches the file's master keys [age recipient ${key.recipient}]`,
    );
  });
});
