// Registry credentials: basic username/password or an identity (refresh) token, looked up per registry
// host in Docker config JSON documents (`kubernetes.io/dockerconfigjson` Secrets, `.dockerconfigjson` key).

import { OciInputError } from "./errors.js";

/** Credentials for one registry. */
export type RegistryCredentials =
  | { username: string; password: string }
  | {
      /** OAuth2 refresh token (`identitytoken`), exchanged at the token endpoint. */
      identityToken: string;
    };

/** Parsed Docker config: registry key → credentials. */
export type DockerConfigAuths = Map<string, RegistryCredentials>;

interface DockerConfigEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

/**
 * Parses a Docker config JSON (`{"auths": {"<registry>": {"auth": base64(user:pass)} | {username,password} |
 * {identitytoken}}}`; the legacy `.dockercfg` top-level map is accepted too). Keys are normalised to
 * `host[:port]` (scheme and path dropped). Throws {@link OciInputError} `<source>: …` on malformed input.
 */
export function parseDockerConfig(json: string | Buffer, source: string): DockerConfigAuths {
  let doc: unknown;
  try {
    doc = JSON.parse(json.toString());
  } catch (err: unknown) {
    throw new OciInputError(`${source}: not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
    throw new OciInputError(`${source}: expected a JSON object`);
  }
  const record = doc as Record<string, unknown>;
  const auths = (
    record.auths && typeof record.auths === "object" ? record.auths : record.auths === undefined ? record : {}
  ) as Record<string, unknown>;
  const result: DockerConfigAuths = new Map();
  for (const [key, value] of Object.entries(auths)) {
    if (!value || typeof value !== "object") continue;
    const entry = value as DockerConfigEntry;
    const host = normalizeRegistryKey(key);
    if (entry.identitytoken) {
      result.set(host, { identityToken: entry.identitytoken });
    } else if (entry.username !== undefined || entry.password !== undefined) {
      result.set(host, { username: entry.username ?? "", password: entry.password ?? "" });
    } else if (entry.auth) {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon < 0) throw new OciInputError(`${source}: the 'auth' of '${host}' is not base64 of 'username:password'`);
      result.set(host, { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) });
    }
  }
  return result;
}

/** `https://index.docker.io/v1/` → `index.docker.io`; `host:5000/path` → `host:5000`. */
export function normalizeRegistryKey(key: string): string {
  let k = key.trim().replace(/^[a-z]+:\/\//i, "");
  const slash = k.indexOf("/");
  if (slash >= 0) k = k.slice(0, slash);
  k = k.toLowerCase();
  return k === "docker.io" || k === "registry-1.docker.io" ? "index.docker.io" : k;
}

/** The credentials of `registry` among `configs` (first match wins), or undefined (anonymous). */
export function credentialsFor(
  registry: string,
  configs: readonly DockerConfigAuths[],
): RegistryCredentials | undefined {
  const host = normalizeRegistryKey(registry);
  for (const auths of configs) {
    const found = auths.get(host);
    if (found) return found;
  }
  return undefined;
}
