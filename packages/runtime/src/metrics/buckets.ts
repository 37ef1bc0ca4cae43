/** `count` buckets starting at `start`, each `factor` times the previous (Prometheus ExponentialBuckets). */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (!(start > 0) || !(factor > 1) || !(count >= 1)) {
    throw new RangeError(`exponentialBuckets needs start > 0, factor > 1, count >= 1`);
  }
  return Array.from({ length: count }, (_, i) => start * factor ** i);
}

/** `count` exponential buckets spanning `min`…`max` (Prometheus ExponentialBucketsRange). */
export function exponentialBucketsRange(min: number, max: number, count: number): number[] {
  if (!(min > 0) || !(max > min) || !(count >= 2)) {
    throw new RangeError(`exponentialBucketsRange needs 0 < min < max and count >= 2`);
  }
  const factor = (max / min) ** (1 / (count - 1));
  return exponentialBuckets(min, factor, count);
}
