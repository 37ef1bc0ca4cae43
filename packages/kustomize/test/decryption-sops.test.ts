import { readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type AgeKey, ageKeygen, sopsEncrypt } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildKustomization } from "../src/build/build.js";
import { renderKustomization } from "../src/build/render.js";
import { createDecryptor, DecryptionError, type Decryptor } from "../src/decrypt/index.js";
import { removeTree, writeTree } from "./fixtures.js";

const FLUX = join(import.meta.dirname, "support", "sops-fixtures", "flux");
const flux = (name: string) => readFile(join(FLUX, name), "utf8");
const b64 = (s: string) => Buffer.from(s).toString("base64");
const unb64 = (s: unknown) => Buffer.from(String(s), "base64").toString("utf8");

type Obj = Record<string, unknown> & { metadata: { name: string; namespace?: string } };

const trees: string[] = [];
async function tree(files: Record<string, string>): Promise<string> {
  const root = await writeTree(files);
  trees.push(root);
  return root;
}
afterAll(async () => {
  for (const t of trees) await removeTree(t);
});

/** Pre-build pass, real kustomize build, post-build pass: what the reconciler's build step does. */
async function buildDecrypted(decryptor: Decryptor, root: string): Promise<Obj[]> {
  await decryptor.decryptFilesInDir(root, ".");
  const built = await buildKustomization({ root });
  const out: Obj[] = [];
  for (const obj of built.objects) out.push(((await decryptor.decryptResource(obj)) ?? obj) as Obj);
  return out;
}

function secretGenerator(files: { files?: string[]; envs?: string[] }): string {
  const lines = [
    "apiVersion: kustomize.config.k8s.io/v1beta1",
    "kind: Kustomization",
    "generatorOptions:",
    "  disableNameSuffixHash: true",
    "secretGenerator:",
    "  - name: gen",
  ];
  if (files.files) lines.push("    files:", ...files.files.map((f) => `      - ${f}`));
  if (files.envs) lines.push("    envs:", ...files.envs.map((f) => `      - ${f}`));
  return `${lines.join("\n")}\n`;
}

describe("SOPS files produced by the real sops binary (Flux's test fixtures)", () => {
  let decryptor: Decryptor;
  beforeAll(async () => {
    decryptor = await createDecryptor({
      keysSecretData: {
        "age.agekey": Buffer.from(await flux("keys-age.txt")),
        "age-pq.agekey": Buffer.from(await flux("keys-age-pq.txt")),
        "pgp.asc": Buffer.from(await flux("keys-pgp.asc")),
      },
      secretName: "flux-system/sops-keys",
    });
  });

  it.each([
    ["algorithms-age.yaml", "age"],
    ["algorithms-age-pq.yaml", "age-pq"],
    ["algorithms-pgp.yaml", "pgp"],
  ])("decrypts the Secret %s (MAC verified)", async (file, name) => {
    const obj = parse(await flux(file)) as Obj;
    const out = (await decryptor.decryptResource(obj)) as Obj;
    expect(out.metadata.name).toBe(name);
    expect(out["stringData"]).toEqual({ key: "value" });
    expect(out["sops"]).toBeUndefined();
    expect(obj["sops"]).toBeDefined(); // the input is not modified
  });

  it("decrypts a Secret whose data entry is a SOPS binary document", async () => {
    const out = (await decryptor.decryptResource(parse(await flux("inside-secret.yaml")) as Obj)) as Obj;
    expect(out["data"]).toEqual({ key: b64("value") });
  });

  it("decrypts dotenv and binary secretGenerator inputs before a real kustomize build", async () => {
    const root = await tree({
      "kustomization.yaml": [
        "generatorOptions:",
        "  disableNameSuffixHash: true",
        "secretGenerator:",
        "  - name: files",
        "    files:",
        "      - key=file.txt",
        "  - name: envs",
        "    envs:",
        "      - env.env",
        "",
      ].join("\n"),
      "file.txt": await flux("files-file.txt"),
      "env.env": await flux("envs-env.env"),
    });
    const [envs, files] = await buildDecrypted(decryptor, root);
    expect(envs?.metadata.name).toBe("envs");
    expect(envs?.["data"]).toEqual({ key: b64("value") });
    expect(files?.metadata.name).toBe("files");
    expect(files?.["data"]).toEqual({ key: b64("value") });
    expect(await readFile(join(root, "file.txt"), "utf8")).toBe("value");
    expect(await readFile(join(root, "env.env"), "utf8")).toBe("key=value\n");
  });

  it("fails naming the file when an unencrypted value of a genuine file was changed (MAC mismatch)", async () => {
    const tampered = (await flux("algorithms-age.yaml")).replace("name: age", "name: evil");
    const root = await tree({
      "kustomization.yaml": "resources:\n  - secret.yaml\n",
      "secret.yaml": tampered,
    });
    const run = buildDecrypted(decryptor, root);
    await expect(run).rejects.toThrow(DecryptionError);
    await expect(run).rejects.toThrow(
      "decryption failed for 'Secret/evil': file 'secret.yaml': failed to verify sops data integrity: MAC mismatch",
    );
  });

  it("without the pre-build pass, a changed object fails its MAC check naming the object", async () => {
    const obj = parse((await flux("algorithms-age.yaml")).replace("name: age", "name: evil")) as Obj;
    const fresh = await createDecryptor({ keysSecretData: { "k.agekey": await flux("keys-age.txt") } });
    await expect(fresh.decryptResource(obj)).rejects.toThrow(/^decryption failed for 'Secret\/evil': .*MAC mismatch/);
  });
});

describe("SOPS decryption with age keys from age-keygen", () => {
  let key: AgeKey;
  let other: AgeKey;
  let decryptor: Decryptor;
  beforeAll(async () => {
    const dir = await tree({});
    key = await ageKeygen(dir, "key");
    other = await ageKeygen(dir, "other");
    decryptor = await createDecryptor({
      keysSecretData: { "identity.agekey": Buffer.from(key.file) },
      secretName: "apps/sops-age",
    });
  });

  const secretYaml = `apiVersion: v1
kind: Secret
metadata:
  name: db
  labels:
    app: db
type: Opaque
stringData:
  username: admin
  password: "s3cr3t-Pa55"
data:
  token: ${b64("tok-123")}
`;

  it("decrypts a Secret encrypted with encrypted_regex, leaving the other fields in clear text", async () => {
    const enc = await sopsEncrypt(secretYaml, "yaml", {
      recipients: [key.recipient],
      encryptedRegex: "^(data|stringData)$",
    });
    expect(enc).toContain("name: db");
    expect(enc).not.toContain("s3cr3t-Pa55");
    expect(enc).toMatch(/password: ENC\[AES256_GCM,data:[^\]]+,type:str\]/);
    const root = await tree({
      "kustomization.yaml": "namespace: apps\nnamePrefix: prod-\nresources:\n  - secret.yaml\n",
      "secret.yaml": enc,
    });
    const [secret] = await buildDecrypted(decryptor, root);
    // kustomize changed name and namespace: the MAC of the pristine file, verified before the build, stands in.
    expect(secret?.metadata).toMatchObject({ name: "prod-db", namespace: "apps", labels: { app: "db" } });
    expect(secret?.["stringData"]).toEqual({ username: "admin", password: "s3cr3t-Pa55" });
    expect(unb64((secret!["data"] as Record<string, string>)["token"])).toBe("tok-123");
    expect(secret?.["sops"]).toBeUndefined();
  });

  it("verifies separately encrypted documents concatenated in one file, each with its own MAC", async () => {
    const rule = { recipients: [key.recipient], encryptedRegex: "^(data|stringData)$" };
    const a = await sopsEncrypt(secretYaml, "yaml", rule);
    const b = await sopsEncrypt(secretYaml.replace("name: db", "name: db2"), "yaml", rule);
    const root = await tree({
      "kustomization.yaml": "namespace: other\nresources:\n  - all.yaml\n",
      "all.yaml": `${a}---\n${b}`,
    });
    const built = await buildDecrypted(decryptor, root);
    expect(built.map((o) => [o.metadata.name, o.metadata.namespace, o["stringData"]])).toEqual([
      ["db", "other", { username: "admin", password: "s3cr3t-Pa55" }],
      ["db2", "other", { username: "admin", password: "s3cr3t-Pa55" }],
    ]);
    const tampered = `${a}---\n${b.replace("name: db2", "name: evil")}`;
    const bad = await tree({
      "kustomization.yaml": "namespace: other\nresources:\n  - all.yaml\n",
      "all.yaml": tampered,
    });
    await expect(buildDecrypted(decryptor, bad)).rejects.toThrow(
      "decryption failed for 'Secret/other/evil': file 'all.yaml': failed to verify sops data integrity: MAC mismatch",
    );
  });

  it("decrypts typed values (int, float, bool) and nested lists under the default unencrypted_suffix", async () => {
    const plain =
      "apiVersion: example.com/v1_unencrypted\nconfig:\n  replicas: 3\n  ratio: 0.25\n  enabled: true\n  hosts:\n    - a.example.com\n    - b.example.com\n  note_unencrypted: visible\n";
    const enc = await sopsEncrypt(plain, "yaml", { recipients: [key.recipient] });
    expect(enc).toContain("note_unencrypted: visible");
    expect(enc).toContain("type:int]");
    expect(enc).toContain("type:bool]");
    const out = await decryptor.decryptResource(parse(enc) as Obj);
    expect(out).toEqual({
      apiVersion: "example.com/v1_unencrypted".replace("_unencrypted", "_unencrypted"),
      config: {
        replicas: 3,
        ratio: 0.25,
        enabled: true,
        hosts: ["a.example.com", "b.example.com"],
        note_unencrypted: "visible",
      },
    });
  });

  it("with mac_only_encrypted, changing an unencrypted value keeps the MAC valid; without it, it does not", async () => {
    const plain = "kind: Thing\nmetadata:\n  name: x\ndata:\n  secret: hush\n";
    const onlyEnc = await sopsEncrypt(plain, "yaml", {
      recipients: [key.recipient],
      encryptedRegex: "^data$",
      macOnlyEncrypted: true,
    });
    const fresh = await createDecryptor({ keysSecretData: { "k.agekey": key.identity } });
    const ok = await fresh.decryptResource(parse(onlyEnc.replace("name: x", "name: y")) as Obj);
    expect(ok?.["data"]).toEqual({ secret: "hush" });
    const full = await sopsEncrypt(plain, "yaml", { recipients: [key.recipient], encryptedRegex: "^data$" });
    await expect(fresh.decryptResource(parse(full.replace("name: x", "name: y")) as Obj)).rejects.toThrow(
      /MAC mismatch/,
    );
  });

  it.each([
    [
      "dotenv",
      "app.env",
      "envs",
      "USER=admin\nPASSWORD=p@ss=word\nMULTI=line1\\nline2\n",
      { USER: "admin", PASSWORD: "p@ss=word", MULTI: "line1\\nline2" },
    ],
    [
      "json",
      "config.json",
      "files",
      '{"user": "admin", "port": 5432, "debug": false, "nested": {"k": "v"}}',
      undefined,
    ],
    ["yaml", "config.yaml", "files", "user: admin\nport: 5432\nnested:\n  k: v\n", undefined],
    ["ini", "config.ini", "files", "[db]\nuser = admin\npassword = hunter2\n", undefined],
    ["binary", "blob.bin", "files", "raw bytes\n\twith tabs and = signs\n", undefined],
  ] as const)(
    "decrypts a %s secretGenerator input (%s) before the build",
    async (format, file, kind, plain, envPairs) => {
      const enc = await sopsEncrypt(plain, format, { recipients: [key.recipient] });
      expect(enc).not.toContain("admin");
      const root = await tree({ "kustomization.yaml": secretGenerator({ [kind]: [file] }), [file]: enc });
      const decrypted = await decryptor.decryptFilesInDir(root, ".");
      expect(decrypted).toEqual([file]);
      const [secret] = await buildDecrypted(decryptor, root);
      const data = secret?.["data"] as Record<string, string>;
      if (envPairs) {
        expect(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, unb64(v)]))).toEqual(envPairs);
      } else if (format === "binary") {
        expect(unb64(data[file])).toBe(plain);
      } else {
        const text = unb64(data[file]);
        expect(text).not.toContain("sops");
        const parsed = format === "ini" ? text : parse(text);
        if (format === "ini") expect(parsed).toContain("password = hunter2");
        else expect(parsed).toMatchObject({ user: "admin", port: 5432, nested: { k: "v" } });
      }
    },
  );

  it("leaves files without SOPS metadata untouched", async () => {
    const files = {
      "kustomization.yaml": `${secretGenerator({ files: ["plain.json"], envs: ["plain.env"] })}resources:\n  - cm.yaml\n`,
      "plain.env": "A=1\nB=two\n",
      "plain.json": '{"a": 1}\n',
      "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: v\n",
    };
    const root = await tree(files);
    expect(await decryptor.decryptFilesInDir(root, ".")).toEqual([]);
    for (const [name, content] of Object.entries(files)) expect(await readFile(join(root, name), "utf8")).toBe(content);
    const cm = parse(files["cm.yaml"]) as Obj;
    expect(await decryptor.decryptResource(cm)).toBeUndefined();
  });

  it("fails with the file, the recipients and no plaintext when the key does not match", async () => {
    const enc = await sopsEncrypt("PASSWORD=top-secret\n", "dotenv", { recipients: [other.recipient] });
    const root = await tree({ "kustomization.yaml": secretGenerator({ envs: ["sub/app.env"] }), "sub/app.env": enc });
    const run = decryptor.decryptFilesInDir(root, ".");
    await expect(run).rejects.toThrow(DecryptionError);
    const err = await run.then(
      () => new Error("no error"),
      (e: unknown) => e as Error,
    );
    expect(err.message).toContain("decryption failed for file 'sub/app.env': cannot get sops data key");
    expect(err.message).toContain(`age recipient ${other.recipient}`);
    expect(err.message).not.toContain("top-secret");
    expect(await readFile(join(root, "sub/app.env"), "utf8")).toBe(enc);
  });

  it("fails a Secret encrypted for another key, naming the object", async () => {
    const enc = await sopsEncrypt(secretYaml, "yaml", {
      recipients: [other.recipient],
      encryptedRegex: "^(data|stringData)$",
    });
    await expect(decryptor.decryptResource(parse(enc) as Obj)).rejects.toThrow(
      /^decryption failed for 'Secret\/db': cannot get sops data key: .*age recipient age1/,
    );
  });

  it("detects tampering: a value moved to another key fails AES-GCM, a removed value fails the MAC", async () => {
    const enc = await sopsEncrypt(secretYaml, "yaml", {
      recipients: [key.recipient],
      encryptedRegex: "^(data|stringData)$",
    });
    const doc = parse(enc) as Obj & { stringData: Record<string, string> };
    const swapped = {
      ...doc,
      stringData: { username: doc.stringData["password"]!, password: doc.stringData["username"]! },
    };
    await expect(decryptor.decryptResource(swapped as Obj)).rejects.toThrow(
      "decryption failed for 'Secret/db': could not decrypt value at 'stringData:username' with AES-GCM",
    );
    const removed = { ...doc, stringData: { username: doc.stringData["username"]! } };
    await expect(decryptor.decryptResource(removed as Obj)).rejects.toThrow(/MAC mismatch/);
    const envEnc = await sopsEncrypt("A=1\nB=2\n", "dotenv", { recipients: [key.recipient] });
    const lines = envEnc.split("\n");
    const root = await tree({
      "kustomization.yaml": secretGenerator({ envs: ["a.env"] }),
      "a.env": lines.filter((l) => !l.startsWith("B=")).join("\n"),
    });
    await expect(decryptor.decryptFilesInDir(root)).rejects.toThrow(
      "decryption failed for file 'a.env': failed to verify sops data integrity: MAC mismatch",
    );
  });

  it("never leaves the source root: ../ references and symlinks out are refused", async () => {
    const outside = await tree({ "secret.env": "A=1\n" });
    const root = await tree({ "kustomization.yaml": secretGenerator({ envs: ["../../x.env"] }) });
    await expect(decryptor.decryptFilesInDir(root)).rejects.toThrow(
      "path '../../x.env' in kustomization.yaml points outside the source artifact",
    );
    const root2 = await tree({ "kustomization.yaml": secretGenerator({ envs: ["link.env"] }) });
    await symlink(join(outside, "secret.env"), join(root2, "link.env"));
    await expect(decryptor.decryptFilesInDir(root2)).rejects.toThrow(/resolves \(through a symlink\) outside/);
  });

  it("follows resources and components into sub-directories and ignores missing and remote references", async () => {
    const enc = await sopsEncrypt("K=v\n", "dotenv", { recipients: [key.recipient] });
    const root = await tree({
      "kustomization.yaml":
        "resources:\n  - base\n  - https://github.com/example/repo//x\n  - missing\ncomponents:\n  - comp\n",
      "base/kustomization.yaml": secretGenerator({ envs: ["b.env"] }),
      "base/b.env": enc,
      "comp/kustomization.yaml":
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nsecretGenerator:\n  - name: c\n    envs:\n      - c.env\n",
      "comp/c.env": enc,
    });
    expect((await decryptor.decryptFilesInDir(root)).sort()).toEqual(["base/b.env", "comp/c.env"]);
  });

  it("skips objects annotated kustomize.toolkit.fluxcd.io/decrypt: disabled", async () => {
    const enc = await sopsEncrypt(secretYaml, "yaml", {
      recipients: [other.recipient],
      encryptedRegex: "^(data|stringData)$",
    });
    const obj = parse(enc) as Obj & { metadata: { annotations?: Record<string, string> } };
    obj.metadata.annotations = { "kustomize.toolkit.fluxcd.io/decrypt": "Disabled" };
    expect(await decryptor.decryptResource(obj)).toBeUndefined();
  });

  it("rejects malformed keys in the decryption Secret, naming the Secret key", async () => {
    await expect(
      createDecryptor({ keysSecretData: { "bad.agekey": "AGE-SECRET-KEY-1NOTAKEY" }, secretName: "apps/keys" }),
    ).rejects.toThrow(
      "failed to import 'bad.agekey' data from sops decryption Secret 'apps/keys': line 1 is not a valid age identity",
    );
    await expect(createDecryptor({ keysSecretData: { "k.asc": "garbage" }, secretName: "apps/keys" })).rejects.toThrow(
      "failed to import 'k.asc' data from sops decryption Secret 'apps/keys': not an armored PGP private key",
    );
  });

  it("refuses files over the size limit", async () => {
    const small = await createDecryptor({ keysSecretData: { "k.agekey": key.identity }, maxFileSize: 100 });
    const enc = await sopsEncrypt("K=v\n", "dotenv", { recipients: [key.recipient] });
    const root = await tree({ "kustomization.yaml": secretGenerator({ envs: ["a.env"] }), "a.env": enc });
    await expect(small.decryptFilesInDir(root)).rejects.toThrow(/'a.env': size \d+ bytes exceeds the limit of 100/);
    await writeFile(join(root, "a.env"), "K=v\n");
    expect(await small.decryptFilesInDir(root)).toEqual([]);
  });

  it("renderKustomization decrypts generator inputs and objects before substitution and owner labels", async () => {
    const secret = await sopsEncrypt(
      [
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        "  name: app",
        "stringData:",
        `  url: postgres://${"$"}{DB_HOST}/app`,
        "  password: p4ss",
        "",
      ].join("\n"),
      "yaml",
      { recipients: [key.recipient], encryptedRegex: "^(data|stringData)$" },
    );
    const env = await sopsEncrypt("API_KEY=k-123\n", "dotenv", { recipients: [key.recipient] });
    const root = await tree({
      "deploy/kustomization.yaml": `${secretGenerator({ envs: ["api.env"] })}resources:\n  - secret.yaml\n`,
      "deploy/secret.yaml": secret,
      "deploy/api.env": env,
    });
    const { objects } = await renderKustomization({
      root,
      path: "./deploy",
      owner: { name: "apps", namespace: "flux-system" },
      variables: new Map([["DB_HOST", "db.internal"]]),
      decryptor,
    });
    const byName = new Map(objects.map((o) => [o.metadata.name, o as Obj]));
    expect(byName.get("gen")?.["data"]).toEqual({ API_KEY: b64("k-123") });
    const app = byName.get("app");
    expect(app?.["stringData"]).toEqual({ url: "postgres://db.internal/app", password: "p4ss" });
    expect(app?.metadata).toMatchObject({ labels: { "kustomize.toolkit.fluxcd.io/name": "apps" } });
    expect(app?.["sops"]).toBeUndefined();
    // The artifact itself is never written: decryption happens on the build's throw-away copy.
    expect(await readFile(join(root, "deploy/api.env"), "utf8")).toBe(env);
  });
});
