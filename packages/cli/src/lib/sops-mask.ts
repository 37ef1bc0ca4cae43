// What `flux build kustomization` prints for SOPS-encrypted Secrets: their values replaced by `**SOPS**` (base64
// in `data`) and the `sops` metadata dropped, so ciphertext never reaches the terminal. Same rules as flux's
// maskSopsData: a Secret whose YAML holds `sops:` and `mac: ENC[` is fully masked (a dockerconfigjson one with
// a JSON `{"mask":"**SOPS**"}`), otherwise each value that is itself a SOPS document is.

import type { UnstructuredObject } from "@sluice/runtime/kube";
import { stringify } from "yaml";

/** The mask flux prints in place of encrypted values. */
export const SOPS_MASK = "**SOPS**";
const DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const isSopsValue = (text: string) => text.includes("sops") && text.includes("ENC[");

/** Masks the SOPS data of a Secret in place (other kinds are left alone); returns the object. */
export function maskSopsData(obj: UnstructuredObject): UnstructuredObject {
  if (obj.kind !== "Secret") return obj;
  const data = obj["data"] as Record<string, string> | undefined;
  const stringData = obj["stringData"] as Record<string, string> | undefined;
  const text = stringify(obj);
  if (text.includes("sops:") && text.includes("mac: ENC[")) {
    delete obj["sops"];
    const type = (obj["type"] as string | undefined) ?? "Opaque";
    const json = JSON.stringify({ mask: SOPS_MASK });
    for (const k of Object.keys(data ?? {}))
      (data as Record<string, string>)[k] = type === DOCKER_CONFIG_JSON ? b64(json) : b64(SOPS_MASK);
    for (const k of Object.keys(stringData ?? {})) {
      (stringData as Record<string, string>)[k] = type === DOCKER_CONFIG_JSON ? json : SOPS_MASK;
    }
    return obj;
  }
  for (const [k, v] of Object.entries(data ?? {})) {
    if (isSopsValue(Buffer.from(v, "base64").toString("utf8"))) (data as Record<string, string>)[k] = b64(SOPS_MASK);
  }
  // As flux: a SOPS document in stringData is replaced by the base64 form of the mask.
  for (const [k, v] of Object.entries(stringData ?? {})) {
    if (isSopsValue(v)) (stringData as Record<string, string>)[k] = b64(SOPS_MASK);
  }
  return obj;
}
