import type { ApiObject } from "../kube/object-ref.js";

/** The `coordination.k8s.io/v1` Lease used for leader election. */
export interface Lease extends ApiObject {
  spec?: LeaseSpec;
}

/** Lease spec fields leader election reads and writes. */
export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number | null;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number | null;
}

/** apiVersion of Lease. */
export const LEASE_API_VERSION = "coordination.k8s.io/v1";

/** Kubernetes MicroTime: RFC 3339 in UTC with microseconds (`2024-05-01T10:20:30.123000Z`). */
export function formatMicroTime(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000Z`;
}
