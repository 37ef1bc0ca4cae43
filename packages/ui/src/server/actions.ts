// The UI's actions. Each is one API call a user could make with kubectl, made as the requesting user
// (impersonated), and answered with that kubectl command.

import { Annotation } from "@sluice/api";
import { type KubeClient, PatchType } from "@sluice/runtime/kube";
import type { ActionAnswer, ActionName } from "../shared/api.js";
import { isReconcilable, watchedKind } from "./kinds.js";
import type { FluxObject } from "./summarize.js";
import { sourceOf } from "./summarize.js";

/** Refusal of an action the object does not support (answered 400). */
export class UnsupportedActionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedActionError";
  }
}

function group(apiVersion: string): string {
  return apiVersion.split("/")[0] ?? "";
}

/** `kubectl` resource argument of an object (`kustomization.kustomize.toolkit.fluxcd.io/name`). */
export function kubectlResource(kind: string, apiVersion: string, name: string): string {
  return `${kind.toLowerCase()}.${group(apiVersion)}/${name}`;
}

function annotateCommand(kind: string, apiVersion: string, namespace: string, name: string, at: string): string {
  return `kubectl annotate --overwrite -n ${namespace} ${kubectlResource(kind, apiVersion, name)} ${Annotation.ReconcileRequestedAt}="${at}"`;
}

function suspendCommand(kind: string, apiVersion: string, namespace: string, name: string, suspend: boolean): string {
  return `kubectl patch -n ${namespace} ${kubectlResource(kind, apiVersion, name)} --type merge -p '{"spec":{"suspend":${suspend}}}'`;
}

async function requestReconcile(
  client: KubeClient,
  apiVersion: string,
  kind: string,
  namespace: string,
  name: string,
  at: string,
): Promise<void> {
  await client.patch(
    { apiVersion, kind, namespace, name },
    { metadata: { annotations: { [Annotation.ReconcileRequestedAt]: at } } },
    { type: PatchType.Merge },
  );
}

/**
 * Runs `action` on `obj` with `client` (impersonating the user). Reconcile sets the requestedAt annotation
 * (with source: on the source first); suspend/resume patch `spec.suspend` (resume also requests a reconcile,
 * as `flux resume` does). Kubernetes refusals propagate as ApiError (e.g. 403 from RBAC).
 */
export async function runAction(client: KubeClient, action: ActionName, obj: FluxObject): Promise<ActionAnswer> {
  const { kind, apiVersion } = obj;
  const namespace = obj.metadata.namespace ?? "";
  const name = obj.metadata.name ?? "";
  if (!isReconcilable(kind)) throw new UnsupportedActionError(`${kind} ${namespace}/${name} cannot be ${action}d`);
  const at = new Date().toISOString();
  const commands: string[] = [];
  switch (action) {
    case "reconcile-with-source": {
      const src = sourceOf(obj);
      if (!src) throw new UnsupportedActionError(`${kind} ${namespace}/${name} has no source to reconcile`);
      const [srcKind = "", srcNs = "", srcName = ""] = src.split("/");
      const srcApi = watchedKind(srcKind)?.apiVersion;
      if (!srcApi) throw new UnsupportedActionError(`${kind} ${namespace}/${name}: unknown source kind ${srcKind}`);
      await requestReconcile(client, srcApi, srcKind, srcNs, srcName, at);
      commands.push(annotateCommand(srcKind, srcApi, srcNs, srcName, at));
      await requestReconcile(client, apiVersion, kind, namespace, name, at);
      commands.push(annotateCommand(kind, apiVersion, namespace, name, at));
      break;
    }
    case "reconcile":
      await requestReconcile(client, apiVersion, kind, namespace, name, at);
      commands.push(annotateCommand(kind, apiVersion, namespace, name, at));
      break;
    case "suspend":
    case "resume": {
      const suspend = action === "suspend";
      await client.patch(
        { apiVersion, kind, namespace, name },
        suspend
          ? { spec: { suspend: true } }
          : { spec: { suspend: false }, metadata: { annotations: { [Annotation.ReconcileRequestedAt]: at } } },
        { type: PatchType.Merge },
      );
      commands.push(suspendCommand(kind, apiVersion, namespace, name, suspend));
      if (!suspend) commands.push(annotateCommand(kind, apiVersion, namespace, name, at));
      break;
    }
  }
  const verb = {
    reconcile: "reconcile requested",
    "reconcile-with-source": "reconcile of source and object requested",
    suspend: "suspended",
    resume: "resumed",
  }[action];
  return { ok: true, message: `${kind} ${namespace}/${name}: ${verb}`, command: commands.join(" && ") };
}
