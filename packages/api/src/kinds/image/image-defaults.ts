import { parseDuration } from "../../meta/duration.js";
import {
  DEFAULT_EXCLUSION_LIST,
  DigestReflectionPolicy,
  type DigestReflectionPolicyName,
  IMAGE_POLICY_DEFAULT_INTERVAL,
} from "./constants.js";
import type { ImagePolicySpec } from "./image-policy.js";
import type { ImageRepositorySpec } from "./image-repository.js";

// The defaults image-reflector-controller applies in code when a field is unset.

/** Scan timeout: `spec.timeout`, else `spec.interval`; never less than one second. */
export function imageRepositoryTimeoutMs(spec: Pick<ImageRepositorySpec, "interval" | "timeout">): number {
  return Math.max(parseDuration(spec.timeout ?? spec.interval), 1000);
}

/** `spec.exclusionList`, or the default (cosign signature tags) when unset or empty. */
export function imageRepositoryExclusionList(spec: Pick<ImageRepositorySpec, "exclusionList">): string[] {
  return spec.exclusionList && spec.exclusionList.length > 0 ? [...spec.exclusionList] : [...DEFAULT_EXCLUSION_LIST];
}

/** `spec.digestReflectionPolicy`, `Never` if unset. */
export function imagePolicyDigestReflection(
  spec: Pick<ImagePolicySpec, "digestReflectionPolicy">,
): DigestReflectionPolicyName {
  return spec.digestReflectionPolicy ?? DigestReflectionPolicy.Never;
}

/**
 * How often an ImagePolicy is re-reconciled on its own: with digest reflection `Always`, `spec.interval`
 * (10m if unset); otherwise 0 (only when its ImageRepository changes).
 */
export function imagePolicyIntervalMs(spec: Pick<ImagePolicySpec, "digestReflectionPolicy" | "interval">): number {
  if (imagePolicyDigestReflection(spec) !== DigestReflectionPolicy.Always) return 0;
  const ms = spec.interval === undefined ? 0 : parseDuration(spec.interval);
  return ms === 0 ? parseDuration(IMAGE_POLICY_DEFAULT_INTERVAL) : ms;
}
