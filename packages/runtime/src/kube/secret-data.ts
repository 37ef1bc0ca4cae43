// Reading a Secret an object refers to (auth, TLS, proxy), through the API (never cached, never logged).

import type { KubeClient } from "./kube-client.js";

/** A Secret as the API returns it: `data` base64-encoded, `stringData` never set on reads. */
interface SecretObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string };
  data?: Record<string, string> | null;
}

/**
 * Reads Secret `namespace/name` and returns its `data` decoded from base64 (bytes as `Buffer`). Throws the
 * API error when the Secret can't be read (e.g. `NotFound`). The values must not be logged or put into
 * conditions or events.
 */
export async function readSecretData(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<Record<string, Buffer>> {
  const secret = await client.get<SecretObject>({ apiVersion: "v1", kind: "Secret", namespace, name });
  const data: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(secret.data ?? {})) data[key] = Buffer.from(value, "base64");
  return data;
}
