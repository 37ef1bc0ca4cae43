// `status.inventory` of a HelmRelease from the release an action recorded (helm-controller's
// observeInventory): a failure to build it is an InventoryBuildFailed warning event, never an action failure.

import { type HelmRelease, HelmReleaseReason } from "@sluice/api";
import type { StoredRelease } from "@sluice/helm-storage";
import { errorMessage } from "@sluice/runtime";
import type { ActionContext } from "./request.js";
import { statusOf } from "./request.js";

/** Sets `status.inventory` from `release`'s manifest and the chart's CRDs (`chartDir`, when given). */
export async function updateInventory(
  ctx: ActionContext,
  obj: HelmRelease,
  release: StoredRelease,
  chartDir?: string,
): Promise<void> {
  try {
    statusOf(obj).inventory = { entries: await ctx.cluster.inventory(release, chartDir) };
  } catch (err: unknown) {
    void ctx.events?.error(
      obj,
      HelmReleaseReason.InventoryBuildFailed,
      `failed to build inventory for ${obj.metadata.namespace}/${obj.metadata.name}: ${errorMessage(err)}`,
    );
  }
}
