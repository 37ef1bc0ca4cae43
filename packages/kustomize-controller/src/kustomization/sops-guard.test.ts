import type { UnstructuredObject } from "@sluice/runtime";
import { describe, expect, it } from "vitest";
import { assertNoEncryptedObjects, EncryptedObjectError, isSopsEncrypted } from "./sops-guard.js";

const encrypted: UnstructuredObject = {
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "db", namespace: "apps" },
  data: { password: "ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]" },
  sops: { mac: "ENC[AES256_GCM,data:xyz]", age: [{ recipient: "age1..." }], lastmodified: "2024-01-01T00:00:00Z" },
};

describe("SOPS guard", () => {
  it("recognises SOPS documents", () => {
    expect(isSopsEncrypted(encrypted)).toBe(true);
    expect(isSopsEncrypted({ apiVersion: "v1", kind: "Secret", metadata: { name: "x" } })).toBe(false);
  });

  it("refuses to apply ciphertext, with Flux's message when decryption is not configured", () => {
    expect(() => assertNoEncryptedObjects([encrypted], false)).toThrow(EncryptedObjectError);
    expect(() => assertNoEncryptedObjects([encrypted], false)).toThrow(
      "Secret/apps/db is SOPS encrypted, configuring decryption is required for this secret to be reconciled",
    );
    expect(() => assertNoEncryptedObjects([encrypted], true)).toThrow(
      /Secret\/apps\/db is SOPS encrypted and could not be decrypted/,
    );
  });

  it("lets objects that opted out of decryption through", () => {
    const optOut = {
      ...encrypted,
      metadata: { ...encrypted.metadata, annotations: { "kustomize.toolkit.fluxcd.io/decrypt": "Disabled" } },
    };
    expect(() => assertNoEncryptedObjects([optOut], false)).not.toThrow();
  });
});
