// Reading a Secret's data, decoded (values are never logged; callers mask them in messages).

import type { KubeClient, UnstructuredObject } from "@sluice/runtime/kube";

/** The decoded `data` (and `stringData`) of Secret `namespace/name`; throws the API error when unreadable. */
export async function readSecretData(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<Record<string, string>> {
  const secret = await client.get<
    UnstructuredObject & { data?: Record<string, string>; stringData?: Record<string, string> }
  >({
    apiVersion: "v1",
    kind: "Secret",
    namespace,
    name,
  });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, "base64").toString("utf8");
  for (const [k, v] of Object.entries(secret.stringData ?? {})) out[k] = v;
  return out;
}
