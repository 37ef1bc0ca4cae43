// ServiceAccount tokens: bound, expiring tokens issued by TokenRequest, legacy (non-expiring) tokens of
// `kubernetes.io/service-account-token` Secrets, and authenticating requests that carry either.

import { randomUUID } from "node:crypto";
import { closeSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { UserInfo } from "../api/request-context.js";
import type { ObjectStore } from "../store/object-store.js";
import { objectKey } from "../store/object-store.js";
import { openPrivate, writeFully } from "../store/private-files.js";
import { isObject } from "../util/json.js";
import { type Claims, JwtSigner } from "./jwt.js";
import { serviceAccountGroups, serviceAccountUsername } from "./subjects.js";

/** The issuer of bound tokens, which is also the API server's audience (kube-apiserver's defaults). */
export const TOKEN_ISSUER = "https://kubernetes.default.svc.cluster.local";
/** The issuer of legacy Secret-based tokens. */
export const LEGACY_ISSUER = "kubernetes/serviceaccount";
/** Tokens whose verified signature is remembered (the cache is emptied when full). */
const SIGNATURE_CACHE_SIZE = 4096;
/** File of the data directory holding the signing key. */
export const SIGNING_KEY_FILE = "sa-signing-key.pem";

const SA = "/serviceaccounts";
const COLLECTION_OF_KIND: Record<string, string> = { Pod: "/pods", Secret: "/secrets", Node: "/nodes" };

/** What a bound token is bound to besides its ServiceAccount. */
export interface BoundObject {
  kind: "Pod" | "Secret" | "Node";
  name: string;
  uid: string;
}

/** A request for a bound token. */
export interface TokenSpec {
  namespace: string;
  name: string;
  uid: string;
  audiences: string[];
  expirationSeconds: number;
  bound?: BoundObject;
}

function loadSigner(dataDir: string | undefined): JwtSigner {
  if (dataDir === undefined) return JwtSigner.generate();
  const path = join(dataDir, SIGNING_KEY_FILE);
  if (existsSync(path)) return JwtSigner.fromPem(readFileSync(path, "utf8"));
  const signer = JwtSigner.generate();
  const fd = openPrivate(path, "wx");
  try {
    writeFully(fd, Buffer.from(signer.toPem()), 0);
  } finally {
    closeSync(fd);
  }
  return signer;
}

function uidOf(obj: { metadata: Record<string, unknown> } | undefined): string | undefined {
  const uid = obj?.metadata["uid"];
  return typeof uid === "string" ? uid : undefined;
}

/**
 * Issues and verifies ServiceAccount tokens (ES256 JWTs, key kept in the data directory). A token
 * authenticates only while its ServiceAccount (same uid) and, for bound tokens, its bound object exist and,
 * for legacy tokens, while its Secret still holds it.
 */
export class ServiceAccountTokens {
  private readonly signer: JwtSigner;
  private readonly signatureCache = new Map<string, Claims>();

  constructor(
    private readonly store: ObjectStore,
    dataDir?: string,
    private readonly now: () => number = Date.now,
  ) {
    this.signer = loadSigner(dataDir);
  }

  /** A bound token and its expiry. */
  issue(spec: TokenSpec): { token: string; expiration: Date } {
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + spec.expirationSeconds;
    const k8s: Claims = { namespace: spec.namespace, serviceaccount: { name: spec.name, uid: spec.uid } };
    if (spec.bound) k8s[spec.bound.kind.toLowerCase()] = { name: spec.bound.name, uid: spec.bound.uid };
    const claims: Claims = {
      aud: spec.audiences,
      exp,
      iat,
      iss: TOKEN_ISSUER,
      jti: randomUUID(),
      "kubernetes.io": k8s,
      nbf: iat,
      sub: serviceAccountUsername(spec.namespace, spec.name),
    };
    return { token: this.signer.sign(claims), expiration: new Date(exp * 1000) };
  }

  /** A legacy token for a `kubernetes.io/service-account-token` Secret (never expires). */
  issueLegacy(namespace: string, serviceAccount: string, uid: string, secretName: string): string {
    return this.signer.sign({
      iss: LEGACY_ISSUER,
      "kubernetes.io/serviceaccount/namespace": namespace,
      "kubernetes.io/serviceaccount/secret.name": secretName,
      "kubernetes.io/serviceaccount/service-account.name": serviceAccount,
      "kubernetes.io/serviceaccount/service-account.uid": uid,
      sub: serviceAccountUsername(namespace, serviceAccount),
    });
  }

  /** The ServiceAccount user a token authenticates, or undefined when it is not a valid token of this server. */
  authenticate(token: string): UserInfo | undefined {
    const claims = this.verified(token);
    if (!claims) return undefined;
    if (claims["iss"] === TOKEN_ISSUER) return this.bound(claims);
    if (claims["iss"] === LEGACY_ISSUER) return this.legacy(claims, token);
    return undefined;
  }

  /**
   * The claims of a token whose signature checks out. Signature checks are cached (the costly part); expiry,
   * the ServiceAccount and the bound object are checked on every request, so revocation takes effect at once.
   */
  private verified(token: string): Claims | undefined {
    const cached = this.signatureCache.get(token);
    if (cached) return cached;
    const claims = this.signer.verify(token);
    if (!claims) return undefined;
    if (this.signatureCache.size >= SIGNATURE_CACHE_SIZE) this.signatureCache.clear();
    this.signatureCache.set(token, claims);
    return claims;
  }

  private bound(claims: Claims): UserInfo | undefined {
    const nowS = this.now() / 1000;
    if (typeof claims["exp"] !== "number" || claims["exp"] <= nowS) return undefined;
    if (typeof claims["nbf"] === "number" && claims["nbf"] > nowS + 60) return undefined;
    const aud = claims["aud"];
    if (!Array.isArray(aud) || !aud.includes(TOKEN_ISSUER)) return undefined;
    const k8s = claims["kubernetes.io"];
    if (!isObject(k8s)) return undefined;
    const info = k8s as Record<string, unknown>;
    const ns = info["namespace"];
    const sa = info["serviceaccount"] as { name?: unknown; uid?: unknown } | undefined;
    if (typeof ns !== "string" || typeof sa?.name !== "string") return undefined;
    const stored = this.store.get(SA, objectKey(ns, sa.name));
    if (!stored || uidOf(stored) !== sa.uid) return undefined;
    const extra: Record<string, string[]> = {};
    if (typeof claims["jti"] === "string")
      extra["authentication.kubernetes.io/credential-id"] = [`JTI=${claims["jti"]}`];
    for (const kind of ["Pod", "Secret", "Node"] as const) {
      const ref = info[kind.toLowerCase()] as { name?: unknown; uid?: unknown } | undefined;
      if (ref === undefined) continue;
      if (typeof ref.name !== "string") return undefined;
      const key = kind === "Node" ? objectKey("", ref.name) : objectKey(ns, ref.name);
      const obj = this.store.get(COLLECTION_OF_KIND[kind]!, key);
      if (!obj || uidOf(obj) !== ref.uid) return undefined;
      if (kind === "Pod") {
        extra["authentication.kubernetes.io/pod-name"] = [ref.name];
        extra["authentication.kubernetes.io/pod-uid"] = [String(ref.uid)];
      }
    }
    return this.user(ns, sa.name, String(sa.uid), extra);
  }

  private legacy(claims: Claims, token: string): UserInfo | undefined {
    const ns = claims["kubernetes.io/serviceaccount/namespace"];
    const name = claims["kubernetes.io/serviceaccount/service-account.name"];
    const uid = claims["kubernetes.io/serviceaccount/service-account.uid"];
    const secretName = claims["kubernetes.io/serviceaccount/secret.name"];
    if (typeof ns !== "string" || typeof name !== "string" || typeof secretName !== "string") return undefined;
    const stored = this.store.get(SA, objectKey(ns, name));
    if (!stored || uidOf(stored) !== uid) return undefined;
    const secret = this.store.get("/secrets", objectKey(ns, secretName));
    const data = secret?.["data"];
    if (!isObject(data)) return undefined;
    const held = (data as Record<string, unknown>)["token"];
    if (typeof held !== "string" || Buffer.from(held, "base64").toString("utf8") !== token) return undefined;
    return this.user(ns, name, String(uid), {
      "authentication.kubernetes.io/credential-id": [`Secret=${secretName}`],
    });
  }

  private user(ns: string, name: string, uid: string, extra: Record<string, string[]>): UserInfo {
    return {
      name: serviceAccountUsername(ns, name),
      uid,
      groups: [...serviceAccountGroups(ns), "system:authenticated"],
      ...(Object.keys(extra).length > 0 ? { extra } : {}),
    };
  }
}
