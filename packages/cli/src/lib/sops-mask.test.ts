import type { UnstructuredObject } from "@sluice/runtime/kube";
import { describe, expect, it } from "vitest";
import { maskSopsData } from "./sops-mask.js";

const MASK_B64 = Buffer.from("**SOPS**").toString("base64");
const sopsMeta = { mac: "ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]", version: "3.9.0" };
const secret = (extra: Record<string, unknown>): UnstructuredObject =>
  ({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, ...extra }) as UnstructuredObject;

describe("maskSopsData", () => {
  it("masks every value of a SOPS-encrypted Secret and drops its sops metadata", () => {
    const out = maskSopsData(
      secret({
        data: { token: "ENC[AES256_GCM,data:xyz,type:str]" },
        stringData: { user: "ENC[AES256_GCM,data:q]" },
        sops: sopsMeta,
      }),
    );
    expect(out["data"]).toEqual({ token: MASK_B64 });
    expect(out["stringData"]).toEqual({ user: "**SOPS**" });
    expect(out["sops"]).toBeUndefined();
  });

  it("masks a dockerconfigjson Secret with a JSON mask", () => {
    const out = maskSopsData(
      secret({
        type: "kubernetes.io/dockerconfigjson",
        data: { ".dockerconfigjson": "ENC[AES256_GCM,data:x]" },
        sops: sopsMeta,
      }),
    );
    expect(
      Buffer.from((out["data"] as Record<string, string>)[".dockerconfigjson"] as string, "base64").toString(),
    ).toBe('{"mask":"**SOPS**"}');
  });

  it("masks only the values that are SOPS documents in a plain Secret; other kinds are untouched", () => {
    const sopsDoc = Buffer.from("password: ENC[AES256_GCM,data:x]\nsops:\n  version: 3.9.0\n").toString("base64");
    const out = maskSopsData(secret({ data: { env: sopsDoc, plain: Buffer.from("hello").toString("base64") } }));
    expect(out["data"]).toEqual({ env: MASK_B64, plain: Buffer.from("hello").toString("base64") });
    const cm = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c" },
      data: { a: "ENC[sops]" },
    } as UnstructuredObject;
    expect(maskSopsData(structuredClone(cm))).toEqual(cm);
  });
});
