// `sluice trace <kind> <name> -n <ns> [--api-version v]`: which Kustomization or HelmRelease manages an object
// (from its owner labels) and which source that one reconciles from, in flux trace's layout.

import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { Command } from "commander";
import type { CommandKit } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";
import { HELMRELEASE, KUSTOMIZATION, kindByKindName } from "../kinds.js";
import { conditionOf, revisionOf, statusString } from "../lib/object-status.js";

/** apiVersions of common kinds, so `sluice trace deployment web` needs no `--api-version`. */
const WELL_KNOWN: Record<string, [string, string]> = {
  configmap: ["v1", "ConfigMap"],
  secret: ["v1", "Secret"],
  service: ["v1", "Service"],
  serviceaccount: ["v1", "ServiceAccount"],
  namespace: ["v1", "Namespace"],
  pod: ["v1", "Pod"],
  persistentvolumeclaim: ["v1", "PersistentVolumeClaim"],
  deployment: ["apps/v1", "Deployment"],
  statefulset: ["apps/v1", "StatefulSet"],
  daemonset: ["apps/v1", "DaemonSet"],
  replicaset: ["apps/v1", "ReplicaSet"],
  job: ["batch/v1", "Job"],
  cronjob: ["batch/v1", "CronJob"],
  ingress: ["networking.k8s.io/v1", "Ingress"],
  networkpolicy: ["networking.k8s.io/v1", "NetworkPolicy"],
  role: ["rbac.authorization.k8s.io/v1", "Role"],
  rolebinding: ["rbac.authorization.k8s.io/v1", "RoleBinding"],
  clusterrole: ["rbac.authorization.k8s.io/v1", "ClusterRole"],
  clusterrolebinding: ["rbac.authorization.k8s.io/v1", "ClusterRoleBinding"],
  customresourcedefinition: ["apiextensions.k8s.io/v1", "CustomResourceDefinition"],
  horizontalpodautoscaler: ["autoscaling/v2", "HorizontalPodAutoscaler"],
};

/** kubectl's and flux's short names of the kinds above and of Flux's own. */
const SHORT_NAMES: Record<string, string> = {
  cm: "configmap",
  svc: "service",
  sa: "serviceaccount",
  ns: "namespace",
  po: "pod",
  pvc: "persistentvolumeclaim",
  deploy: "deployment",
  sts: "statefulset",
  ds: "daemonset",
  rs: "replicaset",
  cj: "cronjob",
  ing: "ingress",
  netpol: "networkpolicy",
  hpa: "horizontalpodautoscaler",
  crd: "customresourcedefinition",
  crds: "customresourcedefinition",
  ks: "kustomization",
  hr: "helmrelease",
  gitrepo: "gitrepository",
  helmrepo: "helmrepository",
  hc: "helmchart",
  ocirepo: "ocirepository",
};

/** Resolves a kind word (`deployment`, `Deployment`, `deployments`, `GitRepository`) to apiVersion and Kind. */
export function resolveKind(word: string, apiVersion: string | undefined): { apiVersion: string; kind: string } {
  const lower = SHORT_NAMES[word.toLowerCase()] ?? word.toLowerCase();
  const known = WELL_KNOWN[lower] ?? WELL_KNOWN[lower.replace(/s$/, "")] ?? WELL_KNOWN[lower.replace(/es$/, "")];
  const flux =
    kindByKindName(lower) ?? kindByKindName(lower.replace(/s$/, "")) ?? kindByKindName(lower.replace(/ies$/, "y"));
  if (apiVersion) return { apiVersion, kind: known?.[1] ?? flux?.kind ?? word };
  if (known) return { apiVersion: known[0], kind: known[1] };
  if (flux) return { apiVersion: flux.apiVersion, kind: flux.kind };
  throw new CliError(
    `unknown kind "${word}": use a kind name or short name such as deployment (deploy), service (svc), configmap (cm), kustomization (ks), helmrelease (hr), or pass its --api-version (e.g. --api-version example.com/v1)`,
  );
}

/** Registers `sluice trace`. */
export function registerTrace(program: Command, kit: CommandKit): void {
  program
    .command("trace <kind> [name]")
    .description(
      "Trace an in-cluster object throughout the GitOps delivery pipeline (`trace deploy/web` or `trace deployment web`)",
    )
    .option("--api-version <apiVersion>", "the API version of the object's kind, e.g. apps/v1")
    .action(
      kit.action(async (ctx, opts, args) => {
        const [word, objectName] = splitKindName(args);
        const { apiVersion, kind } = resolveKind(word, opts["apiVersion"] as string | undefined);
        const obj = await ctx
          .kube()
          .getOptional<UnstructuredObject>({ apiVersion, kind, namespace: ctx.namespace, name: objectName });
        if (!obj) throw new CliError(`${kind} '${ctx.namespace}/${objectName}' not found`);
        ctx.io.stdout.write(await traceObject(ctx, obj));
      }),
    );
}

/** `deploy/web` or `deploy web` → [kind word, name]. */
function splitKindName(args: string[]): [string, string] {
  const [first, second] = args as [string, string | undefined];
  if (second !== undefined) return [first, second];
  const slash = first.indexOf("/");
  if (slash <= 0 || slash === first.length - 1) {
    throw new CliError(`invalid object "${first}": want <kind>/<name> (e.g. deploy/web) or <kind> <name>`);
  }
  return [first.slice(0, slash), first.slice(slash + 1)];
}

function block(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`).join("\n");
}

function statusLines(obj: UnstructuredObject): [string, string][] {
  const ready = conditionOf(obj, "Ready");
  const rows: [string, string][] = [];
  if (ready?.status === "True")
    rows.push(["Status", `Last reconciled at ${(ready as { lastTransitionTime?: string }).lastTransitionTime ?? ""}`]);
  else if (ready) rows.push(["Status", `Failed (${ready.reason ?? "unknown"})`]);
  else rows.push(["Status", "Unknown"]);
  rows.push(["Message", ready?.message ?? ""]);
  return rows;
}

/** The trace of a managed object: the object, its manager (Kustomization or HelmRelease) and that one's source. */
export async function traceObject(ctx: CommandContext, obj: UnstructuredObject): Promise<string> {
  const labels = obj.metadata.labels ?? {};
  const ksName = labels["kustomize.toolkit.fluxcd.io/name"];
  const ksNs = labels["kustomize.toolkit.fluxcd.io/namespace"];
  const hrName = labels["helm.toolkit.fluxcd.io/name"];
  const hrNs = labels["helm.toolkit.fluxcd.io/namespace"];
  const header: [string, string][] = [["Object", `${obj.kind}/${obj.metadata.name}`]];
  if (obj.metadata.namespace) header.push(["Namespace", obj.metadata.namespace]);
  if (!(ksName && ksNs) && !(hrName && hrNs)) {
    throw new CliError(
      `object ${obj.kind}/${obj.metadata.name} is not managed by Flux (no kustomize.toolkit.fluxcd.io or helm.toolkit.fluxcd.io owner labels)`,
    );
  }
  header.push(["Status", "Managed by Flux"]);
  const parts = [block(header)];
  let sourceRef: { kind: string; name: string; namespace?: string } | undefined;
  let ownerNs: string;
  if (hrName && hrNs) {
    ownerNs = hrNs;
    const hr = await ctx.kube().getOptional<UnstructuredObject>({
      apiVersion: HELMRELEASE.apiVersion,
      kind: "HelmRelease",
      namespace: hrNs,
      name: hrName,
    });
    if (!hr) throw new CliError(`HelmRelease '${hrNs}/${hrName}' (from the object's owner labels) not found`);
    const spec = (hr["spec"] ?? {}) as {
      chart?: { spec?: { chart?: string; version?: string; sourceRef?: typeof sourceRef } };
    };
    parts.push(
      block([
        ["HelmRelease", hrName],
        ["Namespace", hrNs],
        ...(((hr["spec"] as { targetNamespace?: string }).targetNamespace
          ? [["Target", (hr["spec"] as { targetNamespace: string }).targetNamespace]]
          : []) as [string, string][]),
        ["Revision", revisionOf(hr)],
        ...statusLines(hr),
      ]),
    );
    const helmChart = statusString(hr, "helmChart");
    if (helmChart.includes("/")) {
      const [ns, n] = helmChart.split("/");
      const chart = await ctx.kube().getOptional<UnstructuredObject>({
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "HelmChart",
        namespace: ns!,
        name: n!,
      });
      if (chart) {
        const cs = (chart["spec"] ?? {}) as { chart?: string; version?: string; sourceRef?: typeof sourceRef };
        parts.push(
          block([
            ["HelmChart", n!],
            ["Namespace", ns!],
            ["Chart", cs.chart ?? ""],
            ["Version", cs.version ?? ""],
            ["Revision", revisionOf(chart)],
            ...statusLines(chart),
          ]),
        );
        sourceRef = cs.sourceRef ? { ...cs.sourceRef, namespace: ns! } : undefined;
      }
    }
    sourceRef ??= spec.chart?.spec?.sourceRef;
  } else {
    ownerNs = ksNs!;
    const ks = await ctx.kube().getOptional<UnstructuredObject>({
      apiVersion: KUSTOMIZATION.apiVersion,
      kind: "Kustomization",
      namespace: ksNs!,
      name: ksName!,
    });
    if (!ks) throw new CliError(`Kustomization '${ksNs}/${ksName}' (from the object's owner labels) not found`);
    const spec = (ks["spec"] ?? {}) as { targetNamespace?: string; path?: string; sourceRef?: typeof sourceRef };
    parts.push(
      block([
        ["Kustomization", ksName!],
        ["Namespace", ksNs!],
        ...((spec.targetNamespace ? [["Target", spec.targetNamespace]] : []) as [string, string][]),
        ["Path", spec.path ?? "./"],
        ["Revision", revisionOf(ks)],
        ...statusLines(ks),
      ]),
    );
    sourceRef = spec.sourceRef;
  }
  const sourceKind = sourceRef ? kindByKindName(sourceRef.kind) : undefined;
  if (sourceRef && sourceKind) {
    const ns = sourceRef.namespace ?? ownerNs;
    const src = await ctx.kube().getOptional<UnstructuredObject>({
      apiVersion: sourceKind.apiVersion,
      kind: sourceKind.kind,
      namespace: ns,
      name: sourceRef.name,
    });
    if (src) {
      const spec = (src["spec"] ?? {}) as { url?: string; ref?: Record<string, string> };
      const refRows = Object.entries(spec.ref ?? {}).map(
        ([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), v] as [string, string],
      );
      parts.push(
        block([
          [sourceKind.kind, sourceRef.name],
          ["Namespace", ns],
          ...(spec.url ? [["URL", spec.url] as [string, string]] : []),
          ...refRows,
          ["Revision", revisionOf(src)],
          ...statusLines(src),
        ]),
      );
    } else {
      parts.push(
        block([
          [sourceKind.kind, sourceRef.name],
          ["Namespace", ns],
          ["Status", "not found"],
        ]),
      );
    }
  }
  return `${parts.join("\n---\n")}\n`;
}
