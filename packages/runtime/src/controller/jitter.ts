/** Flux's default `--interval-jitter-percentage`. */
export const DEFAULT_INTERVAL_JITTER_PERCENTAGE = 5;

/**
 * A requeue interval moved by a random amount within ±`percentage`% (fluxcd/pkg runtime/jitter Percent),
 * so objects created together do not reconcile in lockstep. Percentages outside (0, 100) disable jitter.
 */
export function jitteredInterval(ms: number, percentage: number, random: () => number = Math.random): number {
  const p = percentage / 100;
  if (!(p > 0) || p >= 1) return ms;
  return Math.round(ms * (1 + p * (2 * random() - 1)));
}
