// The in-process controllers of `sluice up` as Pods on its embedded API server, so `kubectl logs -n
// flux-system deploy/<controller>` and `sluice logs` (the pods/log API) work as on a cluster: each
// controller's chart Deployment (one replica) is applied, the server's replica simulator gives it a Pod with
// the chart's labels (`app=<controller>`, container `manager`), and the server serves that container's log
// from the controller's log file.

import type { PodLogSource } from "@sluice/apiserver";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { ControllerName } from "./controllers.js";

/** The chart's controller container. */
export const CONTROLLER_CONTAINER = "manager";

/** `app.kubernetes.io/managed-by` of these Deployments: `sluice up` runs them in-process, not Helm. */
export const IN_PROCESS_MANAGED_BY = "sluice-up";

/** The chart's Deployments of `controllers` from `render`, one replica each (one process runs each). */
export function controllerDeployments(
  render: readonly UnstructuredObject[],
  controllers: readonly ControllerName[],
): UnstructuredObject[] {
  const wanted = new Set<string>(controllers);
  return render
    .filter((o) => o.kind === "Deployment" && wanted.has(o.metadata.name ?? ""))
    .map((d) => {
      const copy = structuredClone(d) as UnstructuredObject & { spec: { replicas?: number } };
      copy.spec.replicas = 1;
      copy.metadata.labels = { ...copy.metadata.labels, "app.kubernetes.io/managed-by": IN_PROCESS_MANAGED_BY };
      return copy;
    });
}

/** Where the API server reads each controller Pod's `manager` log: `fileOf(controller)`. */
export function controllerLogSources(
  controllers: readonly ControllerName[],
  namespace: string,
  fileOf: (controller: ControllerName) => string,
): PodLogSource[] {
  return controllers.map((name) => ({
    namespace,
    labels: { app: name },
    container: CONTROLLER_CONTAINER,
    file: fileOf(name),
  }));
}
