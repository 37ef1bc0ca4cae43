import { type IgnorePattern, MatchResult, matchPattern } from "./pattern.js";

/**
 * An ordered list of ignore patterns, lowest priority first. The last pattern that matches a path decides:
 * an exclusion excludes it, an inclusion (`!`) keeps it; a path no pattern matches is kept.
 */
export class IgnoreMatcher {
  readonly #patterns: readonly IgnorePattern[];
  readonly #hasInclusions: boolean;

  constructor(patterns: readonly IgnorePattern[]) {
    this.#patterns = [...patterns];
    this.#hasInclusions = patterns.some((p) => p.inclusion);
  }

  /** The patterns, lowest priority first. */
  get patterns(): readonly IgnorePattern[] {
    return this.#patterns;
  }

  /** Whether `path` (components relative to the archive root) is excluded. */
  excludes(path: readonly string[], isDir: boolean): boolean {
    for (let i = this.#patterns.length - 1; i >= 0; i--) {
      const result = matchPattern(this.#patterns[i] as IgnorePattern, path, isDir);
      if (result !== MatchResult.None) return result === MatchResult.Exclude;
    }
    return false;
  }

  /**
   * Whether everything below an excluded directory is excluded too, so a walk may skip it. True when no
   * pattern re-includes (`!`): every pattern that matches a directory also matches all paths beneath it.
   */
  get excludedDirectoriesArePruned(): boolean {
    return !this.#hasInclusions;
  }
}
