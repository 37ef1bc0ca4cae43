// `sluice create secret git|helm|oci|tls <name>`: the Secrets Flux sources and clients read, with flux's flags
// and keys (for ssh:// git URLs a generated key pair and the server's scanned host key); `--export` prints the YAML (stringData), otherwise the Secret is applied server-side.

import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import { type Command, InvalidArgumentError } from "commander";
import type { CommandKit, Opts } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { CliError, errorMessage } from "../errors.js";
import { collect, labelsFlag, toYamlDocument } from "../lib/manifest.js";
import { Progress } from "../lib/progress.js";
import {
  ECDSA_CURVES,
  type EcdsaCurve,
  generateSshKeyPair,
  loadSshKeyPair,
  SSH_KEY_ALGORITHMS,
  type SshKeyAlgorithm,
  type SshKeyPair,
  scanHostKey,
} from "../lib/ssh-keys.js";

/** Registers `create secret …` under the existing `create` command. */
export function registerCreateSecret(program: Command, kit: CommandKit): void {
  const create = program.commands.find((c) => c.name() === "create") ?? program.command("create");
  const secret = create.command("secret").description("Create or update Kubernetes secrets for Flux");
  const common = (cmd: Command) =>
    cmd
      .option("--export", "export in YAML format to stdout")
      .option("--label <key=value>", "set labels on the secret (can be repeated)", collect);

  common(
    secret
      .command("git <name>")
      .description(
        "Create or update a Kubernetes secret for Git authentication (an SSH key pair and the host's key for " +
          "ssh:// URLs; basic auth or a bearer token for HTTP/S)",
      )
      .requiredOption("--url <url>", "git address, e.g. ssh://git@host/org/repository")
      .option("-u, --username <username>", "basic authentication username")
      .option("-p, --password <password>", "basic authentication password (or the passphrase of --private-key-file)")
      .option(
        `--ssh-key-algorithm <${SSH_KEY_ALGORITHMS.join("|")}>`,
        "SSH public key algorithm",
        (v: string) => oneOf(v, SSH_KEY_ALGORITHMS, "public key algorithm"),
        "ecdsa",
      )
      .option("--ssh-rsa-bits <rsaKeyBits>", "SSH RSA public key bit size (multiplies of 8, min 1024)", rsaBits, 2048)
      .option(
        `--ssh-ecdsa-curve <${Object.keys(ECDSA_CURVES).join("|")}>`,
        "SSH ECDSA public key curve",
        (v: string) => oneOf(v, Object.keys(ECDSA_CURVES), "curve"),
        "p384",
      )
      .option(
        "--private-key-file <file>",
        "path to a passwordless private key file used for authenticating to the Git SSH server",
      )
      .option("--bearer-token <token>", "bearer authentication token")
      .option("--ca-crt-file <file>", "path to TLS CA certificate file used for validating self-signed certificates"),
  ).action(kit.action(async (ctx, opts, args) => emit(ctx, opts, await gitSecret(ctx, opts, args[0]!))));

  common(
    secret
      .command("helm <name>")
      .description("Create or update a Kubernetes secret for Helm repository authentication")
      .option("-u, --username <username>", "basic authentication username")
      .option("-p, --password <password>", "basic authentication password")
      .option("--tls-crt-file <file>", "TLS authentication cert file path")
      .option("--tls-key-file <file>", "TLS authentication key file path")
      .option("--ca-crt-file <file>", "TLS authentication CA file path"),
  ).action(kit.action(async (ctx, opts, args) => emit(ctx, opts, await helmSecret(ctx, opts, args[0]!))));

  common(
    secret
      .command("oci <name>")
      .description("Create or update a Kubernetes image pull secret (dockerconfigjson) for an OCI registry")
      .requiredOption("--url <address>", "oci repository address e.g ghcr.io/stefanprodan/charts")
      .requiredOption("-u, --username <username>", "basic authentication username")
      .requiredOption("-p, --password <password>", "basic authentication password"),
  ).action(kit.action(async (ctx, opts, args) => emit(ctx, opts, ociSecret(ctx, opts, args[0]!))));

  common(
    secret
      .command("tls <name>")
      .description("Create or update a Kubernetes secret with TLS certificates")
      .option("--tls-crt-file <file>", "TLS authentication cert file path")
      .option("--tls-key-file <file>", "TLS authentication key file path")
      .option("--ca-crt-file <file>", "TLS authentication CA file path"),
  ).action(kit.action(async (ctx, opts, args) => emit(ctx, opts, await tlsSecret(ctx, opts, args[0]!))));
}

function str(opts: Opts, key: string): string | undefined {
  const v = opts[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

async function file(ctx: CommandContext, opts: Opts, key: string, flag: string): Promise<string | undefined> {
  const path = str(opts, key);
  if (!path) return undefined;
  try {
    return await readFile(resolve(ctx.io.cwd, path), "utf8");
  } catch (err: unknown) {
    throw new CliError(`invalid --${flag} "${path}": ${errorMessage(err)}`);
  }
}

function secretObject(
  ctx: CommandContext,
  opts: Opts,
  name: string,
  type: string,
  stringData: Record<string, string>,
): UnstructuredObject {
  const labels = labelsFlag(opts["label"] as string[] | undefined);
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: ctx.namespace, ...(labels ? { labels } : {}) },
    type,
    stringData,
  } as UnstructuredObject;
}

async function gitSecret(ctx: CommandContext, opts: Opts, name: string): Promise<UnstructuredObject> {
  const url = str(opts, "url")!;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`git URL parse failed: invalid --url "${url}" (for SSH use ssh://user@host[:port]/path)`);
  }
  if (parsed.protocol === "ssh:") return sshGitSecret(ctx, opts, name, parsed);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new CliError(`git URL scheme '${parsed.protocol.slice(0, -1)}' not supported, can be: ssh, http and https`);
  const username = str(opts, "username");
  const password = str(opts, "password");
  const token = str(opts, "bearerToken");
  if ((username || password) && token)
    throw new CliError("--bearer-token cannot be combined with --username/--password");
  if (Boolean(username) !== Boolean(password)) throw new CliError("--username and --password must be given together");
  if (!token && !username) throw new CliError("want --username and --password, or --bearer-token");
  const data: Record<string, string> = token ? { bearerToken: token } : { username: username!, password: password! };
  const ca = await file(ctx, opts, "caCrtFile", "ca-crt-file");
  if (ca) data["ca.crt"] = ca;
  return secretObject(ctx, opts, name, "Opaque", data);
}

/**
 * As flux: a key pair (generated, or read from --private-key-file with --password as its passphrase), the
 * host key scanned from the server, and the deploy key printed for the user to add to the repository.
 */
async function sshGitSecret(ctx: CommandContext, opts: Opts, name: string, url: URL): Promise<UnstructuredObject> {
  const password = str(opts, "password");
  const keyFile = await file(ctx, opts, "privateKeyFile", "private-key-file");
  let pair: SshKeyPair;
  if (keyFile !== undefined) {
    try {
      pair = loadSshKeyPair(keyFile, password);
    } catch (err: unknown) {
      throw new CliError(`invalid --private-key-file "${str(opts, "privateKeyFile")}": ${errorMessage(err)}`);
    }
  } else {
    pair = generateSshKeyPair(
      opts["sshKeyAlgorithm"] as SshKeyAlgorithm,
      opts["sshRsaBits"] as number,
      opts["sshEcdsaCurve"] as EcdsaCurve,
    );
  }
  const port = url.port ? Number(url.port) : 22;
  let knownHosts: string;
  try {
    knownHosts = await scanHostKey(url.hostname, port);
  } catch (err: unknown) {
    throw new CliError(errorMessage(err));
  }
  const data: Record<string, string> = {
    identity: pair.privateKey,
    "identity.pub": pair.publicKey,
    known_hosts: knownHosts,
  };
  if (password) data["password"] = password;
  if (!opts["export"]) new Progress(ctx.io).generate(`deploy key: ${pair.publicKey.trimEnd()}`);
  return secretObject(ctx, opts, name, "Opaque", data);
}

function oneOf(value: string, allowed: readonly string[], what: string): string {
  if (!allowed.includes(value))
    throw new InvalidArgumentError(`unsupported ${what} '${value}', must be one of: ${allowed.join(", ")}`);
  return value;
}

function rsaBits(value: string): number {
  const bits = Number(value);
  if (!Number.isInteger(bits)) throw new InvalidArgumentError(`'${value}' is not a number`);
  if (bits < 1024) throw new InvalidArgumentError("RSA key bit size must be at least 1024");
  if (bits % 8 !== 0) throw new InvalidArgumentError("RSA key bit size must be a multiples of 8");
  return bits;
}

async function tlsData(ctx: CommandContext, opts: Opts): Promise<{ type: string; data: Record<string, string> }> {
  const crt = await file(ctx, opts, "tlsCrtFile", "tls-crt-file");
  const key = await file(ctx, opts, "tlsKeyFile", "tls-key-file");
  const ca = await file(ctx, opts, "caCrtFile", "ca-crt-file");
  if (Boolean(crt) !== Boolean(key)) throw new CliError("--tls-crt-file and --tls-key-file must be given together");
  const data: Record<string, string> = {};
  if (crt && key) Object.assign(data, { "tls.crt": crt, "tls.key": key });
  if (ca) data["ca.crt"] = ca;
  return { type: crt ? "kubernetes.io/tls" : "Opaque", data };
}

async function tlsSecret(ctx: CommandContext, opts: Opts, name: string): Promise<UnstructuredObject> {
  const { type, data } = await tlsData(ctx, opts);
  if (Object.keys(data).length === 0)
    throw new CliError("want --tls-crt-file and --tls-key-file, and/or --ca-crt-file");
  return secretObject(ctx, opts, name, type, data);
}

async function helmSecret(ctx: CommandContext, opts: Opts, name: string): Promise<UnstructuredObject> {
  const username = str(opts, "username");
  const password = str(opts, "password");
  const tls = await tlsData(ctx, opts);
  if (tls.type === "kubernetes.io/tls") return secretObject(ctx, opts, name, tls.type, tls.data);
  const data: Record<string, string> = { ...tls.data };
  if (username || password) Object.assign(data, { username: username ?? "", password: password ?? "" });
  return secretObject(ctx, opts, name, "Opaque", data);
}

function ociSecret(ctx: CommandContext, opts: Opts, name: string): UnstructuredObject {
  const server = str(opts, "url")!
    .replace(/^oci:\/\//, "")
    .split("/")[0]!;
  const username = str(opts, "username")!;
  const password = str(opts, "password")!;
  const auth = Buffer.from(`${username}:${password}`).toString("base64");
  const config = { auths: { [server]: { username, password, auth } } };
  return secretObject(ctx, opts, name, "kubernetes.io/dockerconfigjson", {
    ".dockerconfigjson": JSON.stringify(config),
  });
}

/** `--export` prints the Secret; otherwise it is applied server-side and reported as flux does. */
async function emit(ctx: CommandContext, opts: Opts, secret: UnstructuredObject): Promise<number> {
  if (opts["export"]) {
    ctx.io.stdout.write(toYamlDocument(secret));
    return 0;
  }
  const existed = await ctx
    .kube()
    .getOptional({ apiVersion: "v1", kind: "Secret", namespace: ctx.namespace, name: secret.metadata.name! });
  // stringData is write-only: a replace of the whole Secret keeps no stale keys.
  const { stringData, ...rest } = secret as UnstructuredObject & { stringData: Record<string, string> };
  const data = Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString("base64")]));
  await ctx.kube().apply({ ...rest, data } as UnstructuredObject, { fieldManager: "sluice", force: true });
  new Progress(ctx.io).action(
    `secret '${secret.metadata.name}' ${existed ? "updated" : "created"} in '${ctx.namespace}' namespace`,
  );
  return 0;
}
