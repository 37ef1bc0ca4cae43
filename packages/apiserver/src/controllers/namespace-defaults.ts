// What kube-controller-manager puts into every namespace: the `default` ServiceAccount (serviceaccounts
// controller) and the `kube-root-ca.crt` ConfigMap with the CA clients should trust (root-ca-cert-publisher).
// Both are re-created when deleted; the ConfigMap's `ca.crt` is put back when changed (the serving CA is new
// at each start). Nothing is created in a namespace that is being deleted.

import { systemContext } from "../api/request-context.js";
import type { ResourceService } from "../api/resource-service.js";
import { ApiError } from "../errors.js";
import { logControllerError } from "../log.js";
import type { ResourceRegistry } from "../resources/registry.js";
import { objectKey } from "../store/object-store.js";
import { cloneJson, isObject } from "../util/json.js";
import { KeyQueue } from "./work-queue.js";

const NAMESPACES = "/namespaces";
export const DEFAULT_SERVICE_ACCOUNT = "default";
export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";
// kube's publisher sets this annotation on the ConfigMap.
const DESCRIPTION =
  "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the " +
  "internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes " +
  "clusters.";

/** Keeps the `default` ServiceAccount and (with a CA) the `kube-root-ca.crt` ConfigMap in every namespace. */
export class NamespaceDefaultsController {
  private readonly queue: KeyQueue;
  private unsubscribe: (() => void) | undefined;
  private readonly saCtx = systemContext("serviceaccount-controller");
  private readonly caCtx = systemContext("root-ca-cert-publisher");

  constructor(
    private readonly svc: ResourceService,
    private readonly registry: ResourceRegistry,
    /** PEM published as `ca.crt`; without one (plain HTTP) no ConfigMap is published. */
    private readonly caCert: string | undefined,
  ) {
    this.queue = new KeyQueue(
      (ns) => this.sync(ns),
      (ns, err) => logControllerError("namespace-defaults", ns, err),
    );
  }

  start(): void {
    const store = this.svc.store;
    this.unsubscribe = store.onEvent((collection, _key, e) => {
      const meta = e.object.metadata;
      if (collection === NAMESPACES) {
        if (e.type !== "DELETED") this.queue.add(String(meta["name"]));
        return;
      }
      const ns = meta["namespace"];
      if (typeof ns !== "string") return;
      if (collection === "/serviceaccounts" && e.type === "DELETED" && meta["name"] === DEFAULT_SERVICE_ACCOUNT)
        this.queue.add(ns);
      if (collection === "/configmaps" && meta["name"] === ROOT_CA_CONFIGMAP) this.queue.add(ns);
    });
    for (const [, ns] of store.collection(NAMESPACES).items) this.queue.add(String(ns.metadata["name"]));
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  private sync(name: string): void {
    const ns = this.svc.store.get(NAMESPACES, objectKey("", name));
    if (!ns || typeof ns.metadata["deletionTimestamp"] === "string") return;
    const sas = this.registry.get("", "v1", "serviceaccounts")!;
    if (!this.svc.find(sas, name, DEFAULT_SERVICE_ACCOUNT)) {
      const sa = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: DEFAULT_SERVICE_ACCOUNT } };
      tolerate(() => this.svc.create(sas, name, sa, this.saCtx));
    }
    if (this.caCert !== undefined) this.publishRootCa(name, this.caCert);
  }

  private publishRootCa(namespace: string, caCert: string): void {
    const cms = this.registry.get("", "v1", "configmaps")!;
    const current = this.svc.find(cms, namespace, ROOT_CA_CONFIGMAP);
    const data = { "ca.crt": caCert };
    if (!current) {
      const cm = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: ROOT_CA_CONFIGMAP, annotations: { "kubernetes.io/description": DESCRIPTION } },
        data,
      };
      tolerate(() => this.svc.create(cms, namespace, cm, this.caCtx));
      return;
    }
    if (typeof current.metadata["deletionTimestamp"] === "string") return; // re-created once it is gone
    const have = isObject(current["data"]) ? current["data"] : {};
    if (have["ca.crt"] === caCert && Object.keys(have).length === 1) return;
    const next = cloneJson(current);
    next["data"] = data;
    // Conflicts (409) throw, and the queue retries with the newer object.
    tolerate(() => this.svc.update(cms, namespace, ROOT_CA_CONFIGMAP, next, this.caCtx), [404]);
  }
}

/** Runs a write, ignoring that it already happened (409 on create), the namespace going away (403/404). */
function tolerate(write: () => unknown, codes = [403, 404, 409]): void {
  try {
    write();
  } catch (err: unknown) {
    if (err instanceof ApiError && codes.includes(err.code)) return;
    throw err;
  }
}
