// Legacy ServiceAccount token Secrets: a Secret of type `kubernetes.io/service-account-token` naming a
// ServiceAccount in its `kubernetes.io/service-account.name` annotation gets `token`, `namespace` and `ca.crt`
// filled in (kube's tokens controller).

import { systemContext } from "../api/request-context.js";
import type { ResourceService } from "../api/resource-service.js";
import { KeyQueue } from "../controllers/work-queue.js";
import { ApiError } from "../errors.js";
import { logControllerError } from "../log.js";
import type { ResourceRegistry } from "../resources/registry.js";
import { objectKey } from "../store/object-store.js";
import { isObject } from "../util/json.js";
import { metaMap } from "../util/meta.js";
import type { ServiceAccountTokens } from "./service-account-tokens.js";

const SECRETS = "/secrets";
const TOKEN_TYPE = "kubernetes.io/service-account-token";
const NAME_ANNOTATION = "kubernetes.io/service-account.name";
const UID_ANNOTATION = "kubernetes.io/service-account.uid";

/** Fills legacy token Secrets. */
export class LegacyTokenController {
  private readonly queue: KeyQueue;
  private unsubscribe: (() => void) | undefined;
  private readonly ctx = systemContext("tokens-controller");

  constructor(
    private readonly svc: ResourceService,
    private readonly registry: ResourceRegistry,
    private readonly tokens: ServiceAccountTokens,
    private readonly caCert: string | undefined,
  ) {
    this.queue = new KeyQueue(
      (key) => this.sync(key),
      (key, err) => logControllerError("tokens-controller", key, err),
    );
  }

  start(): void {
    this.unsubscribe = this.svc.store.onEvent((collection, key, e) => {
      if (collection === SECRETS && e.type !== "DELETED" && e.object["type"] === TOKEN_TYPE) this.queue.add(key);
      if (collection === "/serviceaccounts" && e.type === "ADDED") {
        for (const [k, s] of this.svc.store.collection(SECRETS).items) if (s["type"] === TOKEN_TYPE) this.queue.add(k);
      }
    });
    for (const [k, s] of this.svc.store.collection(SECRETS).items) if (s["type"] === TOKEN_TYPE) this.queue.add(k);
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  private sync(key: string): void {
    const secret = this.svc.store.get(SECRETS, key);
    if (!secret || secret["type"] !== TOKEN_TYPE) return;
    const data = isObject(secret["data"]) ? secret["data"] : {};
    if (typeof data["token"] === "string" && data["token"] !== "") return;
    const ns = String(secret.metadata["namespace"]);
    const annotations = metaMap(secret, "annotations");
    const saName = annotations[NAME_ANNOTATION];
    if (saName === undefined) return;
    const sa = this.svc.store.get("/serviceaccounts", objectKey(ns, saName));
    if (!sa) return; // filled once the ServiceAccount exists
    const uid = String(sa.metadata["uid"]);
    const wanted = annotations[UID_ANNOTATION];
    if (wanted !== undefined && wanted !== "" && wanted !== uid) return;
    const name = String(secret.metadata["name"]);
    const token = this.tokens.issueLegacy(ns, saName, uid, name);
    const rt = this.registry.get("", "v1", "secrets")!;
    const next = {
      ...secret,
      metadata: { ...secret.metadata, annotations: { ...annotations, [UID_ANNOTATION]: uid } },
      data: {
        ...data,
        token: Buffer.from(token).toString("base64"),
        namespace: Buffer.from(ns).toString("base64"),
        ...(this.caCert !== undefined ? { "ca.crt": Buffer.from(this.caCert).toString("base64") } : {}),
      },
    };
    try {
      this.svc.update(rt, ns, name, next, this.ctx);
    } catch (err: unknown) {
      if (err instanceof ApiError && (err.code === 409 || err.code === 404)) {
        if (err.code === 409) this.queue.add(key);
        return;
      }
      throw err;
    }
  }
}
