import { randomUUID } from "node:crypto";
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  type FieldError,
  forbidden,
  invalid,
  notFound,
  OBJECT_MODIFIED,
} from "../errors.js";
import { applyConfig, trackUpdate, type WriterInfo } from "../fieldmanager/field-manager.js";
import { apiVersionOf, type ResourceType, storageApiVersionOf, storageKeyOf } from "../resources/resource-type.js";
import { builtinDefinitionName } from "../schema/builtin-openapi.js";
import type { TypeNode } from "../schema/type-node.js";
import { checkFieldSelector, matchesFields } from "../selectors/field-selector.js";
import { matchesLabels } from "../selectors/label-selector.js";
import { type ObjectStore, objectKey } from "../store/object-store.js";
import { cloneJson, isObject, type JsonObject, type JsonValue, jsonEqual } from "../util/json.js";
import { finalizersOf, type KubeObject, kubeTime, metaMap } from "../util/meta.js";
import { decodeError } from "./builtin-admission.js";
import { checkBuiltinSchema, firstDecodeError, typedConversionError } from "./builtin-schema-check.js";
import { convertObject } from "./conversion.js";
import { encodeContinue, type ListOptions } from "./list-options.js";
import type { ObjectAdmission } from "./object-admission.js";
import type { RequestContext } from "./request-context.js";
import { validateObjectMeta } from "./validate-meta.js";

/** The finalizer kube-apiserver puts on a CRD being deleted until its objects are gone. */
const CRD_CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io";

/** Result of a list: items in the requested version plus list metadata. */
export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

/** Deletion options from the DeleteOptions body or query. */
export interface DeleteOptions {
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  orphanDependents?: boolean;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** Result of a delete: the HTTP status and body kube-apiserver would send. */
export interface DeleteResult {
  code: number;
  body: JsonObject;
  /** True when the object is gone (false when it waits for finalizers). */
  deleted: boolean;
}

const GENERATE_CHARS = "bcdfghjklmnpqrstvwxz2456789";

function generateSuffix(): string {
  let s = "";
  for (let i = 0; i < 5; i++) s += GENERATE_CHARS[Math.floor(Math.random() * GENERATE_CHARS.length)];
  return s;
}

function withoutMetaAndStatus(obj: JsonObject, dropStatus: boolean): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === "metadata" || k === "apiVersion" || k === "kind") continue;
    if (dropStatus && k === "status") continue;
    out[k] = v;
  }
  return out;
}

/**
 * The generic REST storage semantics of kube-apiserver over the object store: metadata rules, optimistic
 * concurrency, generation, status subresource split, finalizers and graceful deletion, managedFields tracking,
 * dry run, selectors and pagination. Kind-specific behaviour comes from the admission chain.
 */
export class ResourceService {
  constructor(
    readonly store: ObjectStore,
    private readonly admission: ObjectAdmission,
  ) {}

  /** Converts a stored object to the served version of `rt` (None conversion, or Event field mapping). */
  toVersion(rt: ResourceType, obj: KubeObject): KubeObject {
    return convertObject(obj, apiVersionOf(rt));
  }

  /** Reads one object (404 when absent). */
  get(rt: ResourceType, namespace: string, name: string): KubeObject {
    const obj = this.store.get(storageKeyOf(rt), objectKey(rt.namespaced ? namespace : "", name));
    if (!obj) throw notFound(rt, name);
    return this.toVersion(rt, obj);
  }

  /** Reads one object or undefined. */
  find(rt: ResourceType, namespace: string, name: string): KubeObject | undefined {
    const obj = this.store.get(storageKeyOf(rt), objectKey(rt.namespaced ? namespace : "", name));
    return obj ? this.toVersion(rt, obj) : undefined;
  }

  /** Tells whether an object matches the selectors of a list or watch. */
  matches(rt: ResourceType, obj: KubeObject, namespace: string, opts: ListOptions): boolean {
    if (rt.namespaced && namespace !== "" && obj.metadata["namespace"] !== namespace) return false;
    if (opts.labelSelector.length > 0 && !matchesLabels(opts.labelSelector, metaMap(obj, "labels"))) return false;
    if (opts.fieldSelector.length > 0 && !matchesFields(opts.fieldSelector, obj)) return false;
    return true;
  }

  /** Lists objects, filtered and paginated, at the current resourceVersion. */
  list(rt: ResourceType, namespace: string, opts: ListOptions): ListResult {
    checkFieldSelector(opts.fieldSelector, rt.fieldSelectors);
    const c = this.store.collection(storageKeyOf(rt));
    const rv = opts.continueRv ?? this.store.currentRv;
    const keys = c.keysSorted();
    let start = 0;
    const prefix = rt.namespaced && namespace !== "" ? `${namespace}/` : "";
    if (opts.continueKey !== undefined) {
      start = lowerBound(keys, opts.continueKey);
    } else if (prefix !== "") {
      start = lowerBound(keys, prefix);
    }
    const items: KubeObject[] = [];
    let i = start;
    for (; i < keys.length; i++) {
      const key = keys[i]!;
      if (prefix !== "" && !key.startsWith(prefix)) break;
      if (opts.limit > 0 && items.length >= opts.limit) break;
      const obj = c.items.get(key);
      if (!obj) continue;
      const view = this.toVersion(rt, obj);
      if (!this.matches(rt, view, namespace, opts)) continue;
      items.push(view);
    }
    const result: ListResult = { items, resourceVersion: String(rv) };
    let more = false;
    for (let j = i; j < keys.length; j++) {
      const key = keys[j]!;
      if (prefix !== "" && !key.startsWith(prefix)) break;
      const obj = c.items.get(key);
      if (obj && this.matches(rt, this.toVersion(rt, obj), namespace, opts)) {
        more = true;
        break;
      }
    }
    if (opts.limit > 0 && more) {
      result.continueToken = encodeContinue(rv, keys[i - 1] ?? "");
      if (opts.labelSelector.length === 0 && opts.fieldSelector.length === 0) {
        let remaining = 0;
        for (let j = i; j < keys.length; j++) {
          if (prefix !== "" && !keys[j]!.startsWith(prefix)) break;
          remaining++;
        }
        result.remainingItemCount = remaining;
      }
    }
    return result;
  }

  private writer(rt: ResourceType, ctx: RequestContext, subresource?: string): WriterInfo {
    const w: WriterInfo = {
      manager: ctx.fieldManager,
      apiVersion: apiVersionOf(rt),
      type: this.admission.typeOf(rt),
      hasStatus: rt.hasStatus,
    };
    if (subresource) w.subresource = subresource;
    return w;
  }

  private checkBodyIdentity(rt: ResourceType, namespace: string, obj: JsonObject): void {
    const apiVersion = obj["apiVersion"];
    const kind = obj["kind"];
    if (kind !== undefined && kind !== rt.kind) {
      throw badRequest(`the kind in the body (${String(kind)}) does not match the expected kind (${rt.kind})`);
    }
    if (apiVersion !== undefined && apiVersion !== apiVersionOf(rt)) {
      throw badRequest(
        `the API version in the data (${String(apiVersion)}) does not match the expected API version (${apiVersionOf(rt)})`,
      );
    }
    if (!isObject(obj["metadata"])) obj["metadata"] = {};
    const meta = obj["metadata"] as JsonObject;
    if (rt.namespaced) {
      const ns = meta["namespace"];
      if (typeof ns === "string" && ns !== "" && ns !== namespace) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      meta["namespace"] = namespace;
    } else {
      delete meta["namespace"];
    }
  }

  private checkNamespace(rt: ResourceType, namespace: string, name: string): void {
    if (!rt.namespaced) return;
    const ns = this.store.get("/namespaces", objectKey("", namespace));
    if (!ns) throw notFound({ group: "", resource: "namespaces" }, namespace);
    if (typeof ns.metadata["deletionTimestamp"] === "string") {
      const why = `unable to create new content in namespace ${namespace} because it is being terminated`;
      throw forbidden(rt, name, why, [{ reason: "NamespaceTerminating", message: why, field: "metadata.namespace" }]);
    }
  }

  private admit(
    rt: ResourceType,
    operation: "create" | "update",
    obj: KubeObject,
    old: KubeObject | undefined,
    ctx: RequestContext,
    subresource?: string,
  ): void {
    const errors: FieldError[] = validateObjectMeta(rt, obj);
    const req = {
      rt,
      operation,
      object: obj,
      fieldValidation: ctx.fieldValidation,
      warnings: ctx.warnings,
      user: ctx.user,
    } as const;
    errors.push(...this.admission.admit({ ...req, ...(old ? { old } : {}), ...(subresource ? { subresource } : {}) }));
    if (old && typeof old.metadata["deletionTimestamp"] === "string") {
      const before = new Set(finalizersOf(old));
      if (finalizersOf(obj).some((f) => !before.has(f))) {
        errors.push({
          type: "FieldValueForbidden",
          field: "metadata.finalizers",
          detail: "no new finalizers can be added if the object is being deleted",
          omitValue: true,
        });
      }
    }
    if (errors.length > 0) {
      const name = typeof obj.metadata["name"] === "string" ? obj.metadata["name"] : "";
      throw invalid(rt, name, errors);
    }
  }

  /** Creates an object (POST). */
  create(rt: ResourceType, namespace: string, body: JsonObject, ctx: RequestContext): KubeObject {
    this.checkBodyIdentity(rt, namespace, body);
    const obj = body as KubeObject;
    obj["apiVersion"] = apiVersionOf(rt);
    obj["kind"] = rt.kind;
    const meta = obj.metadata;
    if (typeof meta["resourceVersion"] === "string" && meta["resourceVersion"] !== "") {
      throw new ApiError(
        500,
        "InternalError",
        "Internal error occurred: resourceVersion should not be set on objects to be created",
        {
          causes: [{ message: "resourceVersion should not be set on objects to be created" }],
        },
      );
    }
    if (
      (meta["name"] === undefined || meta["name"] === "") &&
      typeof meta["generateName"] === "string" &&
      meta["generateName"] !== ""
    ) {
      meta["name"] = `${meta["generateName"]}${generateSuffix()}`;
    }
    const name = typeof meta["name"] === "string" ? meta["name"] : "";
    this.prepareCreate(rt, obj);
    this.admit(rt, "create", obj, undefined, ctx);
    if (name !== "") this.checkNamespace(rt, namespace, name);
    const key = objectKey(rt.namespaced ? namespace : "", name);
    if (this.store.get(storageKeyOf(rt), key)) throw alreadyExists(rt, name);
    trackUpdate(undefined, obj, this.writer(rt, ctx));
    if (ctx.dryRun) return obj;
    return this.toVersion(rt, this.store.put(storageKeyOf(rt), key, this.toStorage(rt, obj)));
  }

  private toStorage(rt: ResourceType, obj: KubeObject): KubeObject {
    return convertObject(obj, storageApiVersionOf(rt));
  }

  private prepareCreate(rt: ResourceType, obj: KubeObject): void {
    const meta = obj.metadata;
    meta["uid"] = randomUUID();
    meta["creationTimestamp"] = kubeTime();
    delete meta["deletionTimestamp"];
    delete meta["deletionGracePeriodSeconds"];
    delete meta["selfLink"];
    if (rt.generation === "spec") meta["generation"] = 1;
    else delete meta["generation"];
    if (rt.hasStatus && rt.crdName !== undefined) delete obj["status"];
    if (rt.group === "" && rt.resource === "namespaces") {
      obj["spec"] = { finalizers: ["kubernetes"] };
      obj["status"] = { phase: "Active" };
    }
  }

  /**
   * Replaces an object (PUT), or its status when `subresource` is `status`. A resourceVersion in the body must
   * match the stored one (409 Conflict otherwise).
   */
  update(
    rt: ResourceType,
    namespace: string,
    name: string,
    body: JsonObject,
    ctx: RequestContext,
    subresource?: string,
  ): KubeObject {
    this.checkBodyIdentity(rt, namespace, body);
    const bodyName = (body["metadata"] as JsonObject)["name"];
    if (bodyName !== undefined && bodyName !== name) {
      throw badRequest(`the name of the object (${String(bodyName)}) does not match the name on the URL (${name})`);
    }
    const key = objectKey(rt.namespaced ? namespace : "", name);
    const stored = this.store.get(storageKeyOf(rt), key);
    if (!stored) throw notFound(rt, name);
    const rv = (body["metadata"] as JsonObject)["resourceVersion"];
    if (typeof rv === "string" && rv !== "" && rv !== stored.metadata["resourceVersion"]) {
      throw conflict(rt, name, OBJECT_MODIFIED);
    }
    (body["metadata"] as JsonObject)["name"] = name;
    return this.commitUpdate(rt, key, this.toVersion(rt, stored), body as KubeObject, ctx, subresource);
  }

  /**
   * Finishes an update from a full new object: applies the status split, keeps system metadata, bumps the
   * generation, runs admission, tracks managed fields, stores (or dry-runs), and completes deletion when the
   * last finalizer of a deleting object is gone.
   */
  commitUpdate(
    rt: ResourceType,
    key: string,
    old: KubeObject,
    incoming: KubeObject,
    ctx: RequestContext,
    subresource?: string,
    managedFieldsDone = false,
  ): KubeObject {
    let obj: KubeObject;
    if (subresource === "status") {
      obj = cloneJson(old);
      if (incoming["status"] !== undefined) obj["status"] = incoming["status"];
      else delete obj["status"];
      if (incoming.metadata["managedFields"] !== undefined)
        obj.metadata["managedFields"] = incoming.metadata["managedFields"];
    } else {
      obj = cloneJson(incoming);
      if (rt.hasStatus) {
        if (old["status"] !== undefined) obj["status"] = old["status"];
        else delete obj["status"];
      }
      if (rt.group === "" && rt.resource === "namespaces" && subresource !== "finalize") {
        obj["spec"] = old["spec"] ?? { finalizers: [] };
      }
    }
    obj["apiVersion"] = apiVersionOf(rt);
    obj["kind"] = rt.kind;
    const meta = obj.metadata;
    const uid = meta["uid"];
    if (typeof uid === "string" && uid !== "" && uid !== old.metadata["uid"]) {
      // An empty uid takes the stored one; a different one is refused (ValidateObjectMetaUpdate).
      throw invalid(rt, String(old.metadata["name"] ?? ""), [
        { type: "FieldValueInvalid", field: "metadata.uid", value: uid, detail: "field is immutable" },
      ]);
    }
    for (const f of [
      "uid",
      "creationTimestamp",
      "deletionTimestamp",
      "deletionGracePeriodSeconds",
      "generation",
      "namespace",
    ]) {
      const v = old.metadata[f];
      if (v === undefined) delete meta[f];
      else meta[f] = v;
    }
    delete meta["selfLink"];
    if (rt.generation === "spec" || rt.crdName !== undefined) {
      const dropStatus = rt.hasStatus;
      if (!jsonEqual(withoutMetaAndStatus(old, dropStatus), withoutMetaAndStatus(obj, dropStatus))) {
        meta["generation"] = (typeof old.metadata["generation"] === "number" ? old.metadata["generation"] : 0) + 1;
      }
    }
    this.admit(rt, "update", obj, old, ctx, subresource);
    if (!managedFieldsDone) trackUpdate(old, obj, this.writer(rt, ctx, subresource));
    meta["resourceVersion"] = old.metadata["resourceVersion"] ?? "";
    const unchanged = jsonEqual(withoutManagedTimes(obj), withoutManagedTimes(old));
    if (ctx.dryRun || unchanged) return unchanged ? old : obj;
    const stored = this.store.put(storageKeyOf(rt), key, this.toStorage(rt, obj));
    if (typeof stored.metadata["deletionTimestamp"] === "string" && this.noFinalizersLeft(rt, stored)) {
      this.store.remove(storageKeyOf(rt), key);
    }
    return this.toVersion(rt, stored);
  }

  private noFinalizersLeft(rt: ResourceType, obj: KubeObject): boolean {
    if (finalizersOf(obj).length > 0) return false;
    if (rt.group === "" && rt.resource === "namespaces") {
      const spec = obj["spec"];
      const fins = isObject(spec) ? spec["finalizers"] : undefined;
      if (Array.isArray(fins) && fins.length > 0) return false;
    }
    return true;
  }

  /**
   * Server-side apply of a configuration (already parsed) to an object, creating it when absent. Conflicts
   * with other managers answer 409 unless `force`.
   */
  apply(
    rt: ResourceType,
    namespace: string,
    name: string,
    config: JsonObject,
    ctx: RequestContext,
    force: boolean,
    subresource?: string,
  ): { object: KubeObject; created: boolean } {
    if (!isObject(config["metadata"])) config["metadata"] = {};
    const cmeta = config["metadata"] as JsonObject;
    if (config["apiVersion"] === undefined || config["kind"] === undefined) {
      throw badRequest("error decoding YAML: Object 'Kind' is missing in the applied configuration");
    }
    this.checkBodyIdentity(rt, namespace, config);
    if (cmeta["name"] !== undefined && cmeta["name"] !== name) {
      throw badRequest(
        `the name of the object (${String(cmeta["name"])}) does not match the name on the URL (${name})`,
      );
    }
    if (Array.isArray(cmeta["managedFields"]) && cmeta["managedFields"].length > 0) {
      throw badRequest("metadata.managedFields must be nil");
    }
    cmeta["name"] = name;
    this.checkAppliedTypes(rt, namespace, name, config);
    if (rt.crdName === undefined) defaultListMapKeys(config, this.admission.typeOf(rt));
    const key = objectKey(rt.namespaced ? namespace : "", name);
    const stored = this.store.get(storageKeyOf(rt), key);
    const w = this.writer(rt, ctx, subresource);
    if (!stored) {
      if (subresource) throw notFound(rt, name);
      const skeleton: KubeObject = { apiVersion: apiVersionOf(rt), kind: rt.kind, metadata: { name } };
      if (rt.namespaced) skeleton.metadata["namespace"] = namespace;
      const merged = applyConfig(skeleton, config as KubeObject, w, force, false);
      const mf = merged.metadata["managedFields"];
      delete merged.metadata["managedFields"];
      this.prepareCreate(rt, merged);
      this.admit(rt, "create", merged, undefined, ctx);
      this.checkNamespace(rt, namespace, name);
      // Defaults and pruning may change the object; the applier still owns exactly what it applied.
      if (mf !== undefined) merged.metadata["managedFields"] = mf;
      if (ctx.dryRun) return { object: merged, created: true };
      const obj = this.store.put(storageKeyOf(rt), key, this.toStorage(rt, merged));
      return { object: this.toVersion(rt, obj), created: true };
    }
    const live = this.toVersion(rt, stored);
    const rv = cmeta["resourceVersion"];
    if (typeof rv === "string" && rv !== "" && rv !== live.metadata["resourceVersion"]) {
      throw conflict(rt, name, OBJECT_MODIFIED);
    }
    const merged = applyConfig(live, config as KubeObject, w, force, true);
    const object = this.commitUpdate(rt, key, live, merged, ctx, subresource, true);
    return { object, created: false };
  }

  /**
   * Checks an applied configuration of a built-in kind against its OpenAPI schema before it is merged, as the
   * field manager's typed conversion does: a value of the wrong type answers 500 with structured-merge-diff's
   * text (what kube-apiserver returns), a value the Go types cannot decode (base64, quantity, time) 400.
   */
  private checkAppliedTypes(rt: ResourceType, namespace: string, name: string, config: JsonObject): void {
    if (rt.crdName !== undefined) return;
    const definition = builtinDefinitionName(rt.group, rt.version, rt.kind);
    if (!definition) return;
    const issues = checkBuiltinSchema(config, definition, this.admission.typeOf(rt), { checkRequired: false });
    if (issues.length === 0) return;
    const typed = typedConversionError(issues);
    if (typed !== undefined) {
      const gvk = `${rt.group}/${rt.version}, Kind=${rt.kind}`;
      const ns = rt.namespaced ? namespace : "";
      throw new ApiError(500, "", `failed to create typed patch object (${ns}/${name}; ${gvk}): ${typed}`);
    }
    const decode = firstDecodeError(issues);
    if (decode !== undefined) throw decodeError(rt, decode);
  }

  /** Deletes an object, honouring finalizers, propagation policy, preconditions and dry run. */
  delete(rt: ResourceType, namespace: string, name: string, opts: DeleteOptions, ctx: RequestContext): DeleteResult {
    const key = objectKey(rt.namespaced ? namespace : "", name);
    const stored = this.store.get(storageKeyOf(rt), key);
    if (!stored) throw notFound(rt, name);
    const obj = this.toVersion(rt, stored);
    const pre = opts.preconditions;
    if (pre?.uid !== undefined && pre.uid !== obj.metadata["uid"]) {
      throw conflict(
        rt,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(obj.metadata["uid"])}`,
      );
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== obj.metadata["resourceVersion"]) {
      throw conflict(
        rt,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(obj.metadata["resourceVersion"])}`,
      );
    }
    const policy =
      opts.propagationPolicy ??
      (opts.orphanDependents === true ? "Orphan" : opts.orphanDependents === false ? "Background" : undefined);
    const accepted = opts.orphanDependents === false || policy === "Foreground";
    if (typeof obj.metadata["deletionTimestamp"] === "string") {
      return { code: 200, body: obj, deleted: false };
    }
    let finalizers = finalizersOf(obj);
    if (policy === "Foreground" && !finalizers.includes("foregroundDeletion"))
      finalizers = [...finalizers, "foregroundDeletion"];
    if (policy === "Orphan" && !finalizers.includes("orphan")) finalizers = [...finalizers, "orphan"];
    if (policy === "Background" || policy === "Foreground") finalizers = finalizers.filter((f) => f !== "orphan");
    if (policy === "Background" || policy === "Orphan")
      finalizers = finalizers.filter((f) => f !== "foregroundDeletion");
    if (rt.group === "apiextensions.k8s.io" && rt.resource === "customresourcedefinitions") {
      // The CRD stays until the CRD controller has deleted its objects.
      if (!finalizers.includes(CRD_CLEANUP_FINALIZER)) finalizers = [...finalizers, CRD_CLEANUP_FINALIZER];
    }
    const isNamespace = rt.group === "" && rt.resource === "namespaces";
    if (finalizers.length > 0 || isNamespace) {
      const updated = cloneJson(obj);
      updated.metadata["deletionTimestamp"] = kubeTime();
      updated.metadata["deletionGracePeriodSeconds"] = 0;
      if (typeof updated.metadata["generation"] === "number") updated.metadata["generation"] += 1;
      if (finalizers.length > 0) updated.metadata["finalizers"] = finalizers;
      else delete updated.metadata["finalizers"];
      if (isNamespace)
        updated["status"] = { ...(isObject(updated["status"]) ? updated["status"] : {}), phase: "Terminating" };
      if (ctx.dryRun) return { code: accepted ? 202 : 200, body: updated, deleted: false };
      const out = this.store.put(storageKeyOf(rt), key, this.toStorage(rt, updated));
      return { code: accepted ? 202 : 200, body: this.toVersion(rt, out), deleted: false };
    }
    if (!ctx.dryRun) this.store.remove(storageKeyOf(rt), key);
    return { code: 200, body: this.deletedBody(rt, obj), deleted: true };
  }

  private deletedBody(rt: ResourceType, obj: KubeObject): JsonObject {
    if (rt.returnDeletedObject) return obj;
    const details: JsonObject = { name: String(obj.metadata["name"]) };
    if (rt.group !== "") details["group"] = rt.group;
    details["kind"] = rt.resource;
    details["uid"] = String(obj.metadata["uid"]);
    return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details };
  }

  /** Deletes every object matching the list options (DELETE on a collection). Returns the deleted items. */
  deleteCollection(
    rt: ResourceType,
    namespace: string,
    listOpts: ListOptions,
    opts: DeleteOptions,
    ctx: RequestContext,
  ): KubeObject[] {
    const { items } = this.list(rt, namespace, { ...listOpts, limit: 0 });
    const out: KubeObject[] = [];
    for (const item of items) {
      const ns = typeof item.metadata["namespace"] === "string" ? item.metadata["namespace"] : "";
      try {
        const r = this.delete(rt, ns, String(item.metadata["name"]), opts, ctx);
        out.push(r.deleted ? item : (r.body as KubeObject));
      } catch (err: unknown) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
    return out;
  }

  /** The structure of a resource's objects (for patches). */
  typeOf(rt: ResourceType): ReturnType<ObjectAdmission["typeOf"]> {
    return this.admission.typeOf(rt);
  }
}

/**
 * The object with managedFields timestamps blanked and entries in a fixed order: a write that changes nothing
 * but an entry's time (and, through the time, its position in the list) must not move resourceVersion.
 */
function withoutManagedTimes(obj: KubeObject): JsonObject {
  const mf = obj.metadata["managedFields"];
  if (!Array.isArray(mf)) return obj;
  const entries = mf.map((e) => (isObject(e) ? { ...e, time: "" } : e));
  const key = (e: JsonValue) =>
    isObject(e) ? JSON.stringify([e["manager"], e["operation"], e["subresource"], e["apiVersion"]]) : "";
  entries.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { ...obj, metadata: { ...obj.metadata, managedFields: entries } };
}

/**
 * Gives list-map items of an applied configuration the schema default of a missing key field (a port's
 * `protocol`: TCP), as structured-merge-diff does, so `- containerPort: 80` merges with the live `80/TCP` item
 * instead of adding a second one.
 */
function defaultListMapKeys(value: JsonValue | undefined, node: TypeNode | undefined): void {
  if (!node || value === undefined || value === null) return;
  if (node.kind === "list") {
    if (!Array.isArray(value)) return;
    for (const item of value) {
      if (
        node.listType === "map" &&
        node.keys?.includes("protocol") &&
        isObject(item) &&
        item["protocol"] === undefined
      ) {
        item["protocol"] = "TCP";
      }
      defaultListMapKeys(item, node.item);
    }
    return;
  }
  if (node.kind !== "map" || !isObject(value)) return;
  for (const [k, v] of Object.entries(value)) defaultListMapKeys(v, node.fields?.[k] ?? node.additional);
}

function lowerBound(keys: string[], target: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Narrow helper for JSON values used by the HTTP layer. */
export function asJsonObject(v: JsonValue | undefined): JsonObject | undefined {
  return isObject(v) ? v : undefined;
}
