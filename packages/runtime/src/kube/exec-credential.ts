// client.authentication.k8s.io exec credential plugins: run the command, read the ExecCredential it prints,
// cache the token until its expiry.

import { execFile } from "node:child_process";

/** A kubeconfig user's `exec` section. */
export interface ExecCredentialConfig {
  command: string;
  args?: string[] | null;
  env?: Array<{ name: string; value: string }> | null;
  apiVersion?: string;
  provideClusterInfo?: boolean;
}

const cache = new Map<string, { token: string; expiresAt: number }>();

/** Runs the plugin (or reuses its unexpired token) and returns `status.token`. */
export async function execCredentialToken(
  exec: ExecCredentialConfig,
  cluster: { server: string; caData?: string | undefined; skipTLSVerify?: boolean | undefined } | null,
): Promise<string> {
  const key = JSON.stringify(exec);
  const cached = cache.get(key);
  if (cached && cached.expiresAt > Date.now()) return cached.token;
  const apiVersion = exec.apiVersion ?? "client.authentication.k8s.io/v1";
  const execInfo = {
    apiVersion,
    kind: "ExecCredential",
    spec: {
      interactive: false,
      ...(exec.provideClusterInfo && cluster
        ? {
            cluster: {
              server: cluster.server,
              "certificate-authority-data": cluster.caData,
              "insecure-skip-tls-verify": cluster.skipTLSVerify,
            },
          }
        : {}),
    },
  };
  const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify(execInfo) };
  for (const e of exec.env ?? []) env[e.name] = e.value;
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(exec.command, exec.args ?? [], { env, timeout: 60_000 }, (err, out, errOut) => {
      if (err) reject(new Error(`exec credential plugin ${exec.command} failed: ${errOut.trim() || err.message}`));
      else resolve(out);
    });
  });
  let status: { token?: string; expirationTimestamp?: string } | undefined;
  try {
    status = (JSON.parse(stdout) as { status?: typeof status }).status;
  } catch (err: unknown) {
    throw new Error(`exec credential plugin ${exec.command} printed invalid JSON: ${(err as Error).message}`);
  }
  if (!status?.token) throw new Error(`exec credential plugin ${exec.command} returned no status.token`);
  const expiresAt = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : Number.POSITIVE_INFINITY;
  cache.set(key, { token: status.token, expiresAt });
  return status.token;
}
