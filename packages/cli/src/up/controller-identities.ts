// Each controller `sluice up` runs acts as its own ServiceAccount with the chart's RBAC, as on a cluster: the
// chart (the one source) is rendered by the real `helm template`, its ServiceAccounts, (Cluster)Roles and
// bindings are applied to the embedded API server, and every controller gets a kubeconfig with a token of the
// ServiceAccount its Deployment runs as. The user keeps the admin kubeconfig.

import { type KubeClient, KubeConfig, type UnstructuredObject } from "@sluice/runtime/kube";
import { stringify } from "yaml";
import { chartDirectory, readChart } from "../install/chart.js";
import { type InstallOptions, renderedObjects, renderInstall } from "../install/manifests.js";
import type { ControllerName } from "./controllers.js";
import { UP_FIELD_MANAGER } from "./crds.js";

/** The kinds of a render that make up the controllers' identities and permissions. */
const IDENTITY_KINDS = new Set(["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]);

/** Lifetime of the controllers' tokens: the whole run (kube caps nothing below 2^32 s). */
const TOKEN_SECONDS = 365 * 24 * 3600;

/** The chart rendered for the given controllers in `namespace`. */
export async function renderChartFor(
  controllers: readonly ControllerName[],
  namespace: string,
  env: NodeJS.ProcessEnv,
): Promise<UnstructuredObject[]> {
  const chart = readChart(chartDirectory(env));
  const known = new Set(chart.components.map((c) => c.name));
  const missing = controllers.filter((c) => !known.has(c));
  if (missing.length > 0) {
    throw new Error(`the Sluice chart (${chart.dir}) deploys no ${missing.join(", ")}: add it to the chart`);
  }
  const options: InstallOptions = { namespace, chart, components: controllers };
  return renderedObjects(await renderInstall(options, env));
}

/** The RBAC objects and ServiceAccounts of a render. */
export function identityObjects(render: readonly UnstructuredObject[]): UnstructuredObject[] {
  return render.filter((o) => IDENTITY_KINDS.has(o.kind));
}

/**
 * The ServiceAccount a controller runs as: `serviceAccountName` of the chart's Deployment of that name
 * (kube's `default` when the Deployment names none). Throws when the render has no such Deployment.
 */
export function serviceAccountOf(render: readonly UnstructuredObject[], controller: string): string {
  const deployment = render.find((o) => o.kind === "Deployment" && o.metadata.name === controller);
  if (!deployment) throw new Error(`the Sluice chart renders no Deployment ${controller}`);
  const spec = (deployment as { spec?: { template?: { spec?: { serviceAccountName?: unknown } } } }).spec;
  const name = spec?.template?.spec?.serviceAccountName;
  return typeof name === "string" && name !== "" ? name : "default";
}

/** A kubeconfig (object) for the admin kubeconfig's cluster authenticating with `token`. */
function tokenKubeConfig(adminConfig: KubeConfig, user: string, token: string): KubeConfig {
  const current = adminConfig.getCurrentCluster();
  if (!current) throw new Error("the admin kubeconfig has no current cluster");
  const cluster: Record<string, unknown> = { server: current.server };
  if (current.caData !== undefined) cluster["certificate-authority-data"] = current.caData;
  else if (current.caFile !== undefined) cluster["certificate-authority"] = current.caFile;
  else if (current.skipTLSVerify) cluster["insecure-skip-tls-verify"] = true;
  const kc = new KubeConfig();
  kc.loadFromString(
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "sluice", cluster }],
      users: [{ name: user, user: { token } }],
      contexts: [{ name: user, context: { cluster: "sluice", user, namespace: "default" } }],
      "current-context": user,
    }),
  );
  return kc;
}

/** A bound token for a ServiceAccount from the TokenRequest API (`kubectl create token`). */
async function requestToken(admin: KubeClient, namespace: string, serviceAccount: string): Promise<string> {
  const res = (await admin.request({
    method: "POST",
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`,
    body: {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: { expirationSeconds: TOKEN_SECONDS },
    },
  })) as { status?: { token?: string } } | undefined;
  const token = res?.status?.token;
  if (!token) throw new Error(`TokenRequest for ServiceAccount ${namespace}/${serviceAccount} returned no token`);
  return token;
}

/**
 * Applies the chart's ServiceAccounts and RBAC for `controllers` (from `render`, the chart rendered in
 * `namespace` by {@link renderChartFor}) with the admin
 * client, and returns each controller's kubeconfig acting as its ServiceAccount (a token from the
 * TokenRequest API, for the admin kubeconfig's cluster).
 */
export async function controllerIdentities(
  controllers: readonly ControllerName[],
  namespace: string,
  adminConfig: KubeConfig,
  admin: KubeClient,
  render: readonly UnstructuredObject[],
): Promise<Map<ControllerName, KubeConfig>> {
  const out = new Map<ControllerName, KubeConfig>();
  if (controllers.length === 0) return out;
  for (const obj of identityObjects(render)) await admin.apply(obj, { fieldManager: UP_FIELD_MANAGER, force: true });
  for (const controller of controllers) {
    const sa = serviceAccountOf(render, controller);
    const token = await requestToken(admin, namespace, sa);
    out.set(controller, tokenKubeConfig(adminConfig, `system:serviceaccount:${namespace}:${sa}`, token));
  }
  return out;
}
