import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatDigest, parseDigest } from "./digest.js";
import { type FetchArtifactOptions, fetchArtifact } from "./fetch-artifact.js";

/** Bounds of an {@link ArtifactCache}. */
export interface ArtifactCacheOptions extends FetchArtifactOptions {
  /** Most extracted artifacts kept (default 16). */
  maxEntries?: number;
  /** Most extracted bytes kept (default 512 MiB). */
  maxBytes?: number;
}

/** A use of a cached, extracted artifact. The directory is shared: treat it as read-only, copy it to modify it. */
export interface ArtifactLease {
  dir: string;
  digest: string;
  /** True when this lease re-used an extraction (no download). */
  cached: boolean;
  /** Ends the use; the directory may be evicted afterwards. Idempotent; resolves once any eviction is done. */
  release(): Promise<void>;
}

/** Counters of an {@link ArtifactCache}. */
export interface ArtifactCacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  evictions: number;
}

interface CacheEntry {
  digest: string;
  dir?: string;
  bytes: number;
  refs: number;
  lastUsed: number;
  ready: Promise<void>;
}

/**
 * Extracted artifacts keyed by digest, so reconciles of many objects that consume the same artifact
 * download and extract it once. Concurrent acquisitions of one digest share one download; a failed fetch is
 * not cached. Entries in use (leased) are never evicted; unused ones go least-recently-used first once
 * `maxEntries` or `maxBytes` is exceeded. Downloads are shared, so they are cancelled only through the
 * cache-wide `signal` option (shutdown), never by one caller.
 */
export class ArtifactCache {
  readonly #entries = new Map<string, CacheEntry>();
  readonly #options: ArtifactCacheOptions;
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #root: Promise<string> | undefined;
  #clock = 0;
  #stats = { hits: 0, misses: 0, evictions: 0 };

  constructor(options: ArtifactCacheOptions = {}) {
    this.#options = options;
    this.#maxEntries = options.maxEntries ?? 16;
    this.#maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
  }

  /**
   * Returns the extracted content of the artifact with `digest`, fetching it from `url` unless cached.
   * Throws what `fetchArtifact` throws. Call `release()` on the lease when done with the directory.
   * `signal` ends this caller's wait (rejecting with its reason) without cancelling the shared download.
   */
  async acquire(url: string, digest: string, options: { signal?: AbortSignal } = {}): Promise<ArtifactLease> {
    const key = formatDigest(parseDigest(digest));
    let entry = this.#entries.get(key);
    const cached = entry !== undefined;
    if (entry === undefined) {
      this.#stats.misses += 1;
      entry = { digest: key, bytes: 0, refs: 0, lastUsed: 0, ready: Promise.resolve() };
      const created = entry;
      entry.ready = this.#fill(created, url, key);
      // Every waiter may have given up (signal) before the fetch fails: the failure is theirs, not unhandled.
      entry.ready.catch(() => undefined);
      this.#entries.set(key, entry);
    } else {
      this.#stats.hits += 1;
    }
    entry.refs += 1;
    entry.lastUsed = ++this.#clock;
    try {
      await untilAborted(entry.ready, options.signal);
    } catch (err: unknown) {
      entry.refs -= 1;
      throw err;
    }
    const held = entry;
    let released = false;
    return {
      dir: held.dir!,
      digest: key,
      cached,
      release: async () => {
        if (released) return;
        released = true;
        held.refs -= 1;
        held.lastUsed = ++this.#clock;
        await this.#evict();
      },
    };
  }

  /** Current size and hit/miss/eviction counters. */
  stats(): ArtifactCacheStats {
    let bytes = 0;
    let entries = 0;
    for (const e of this.#entries.values()) {
      if (e.dir === undefined) continue;
      entries += 1;
      bytes += e.bytes;
    }
    return { entries, bytes, ...this.#stats };
  }

  /** Removes every unused extraction (and the cache root once empty). Leased entries stay until released. */
  async clear(): Promise<void> {
    for (const [key, e] of [...this.#entries]) {
      if (e.refs > 0 || e.dir === undefined) continue;
      this.#entries.delete(key);
      await rm(e.dir, { recursive: true, force: true });
    }
    if (this.#entries.size === 0 && this.#root !== undefined) {
      const root = await this.#root;
      this.#root = undefined;
      await rm(root, { recursive: true, force: true });
    }
  }

  async #fill(entry: CacheEntry, url: string, key: string): Promise<void> {
    let dir: string | undefined;
    try {
      const root = await this.#rootDir();
      dir = await mkdtemp(join(root, `${key.replace(":", "-")}-`));
      const fetched = await fetchArtifact(url, key, { ...this.#options, tmpDir: root }, dir);
      entry.dir = fetched.dir;
      entry.bytes = fetched.extractedBytes;
    } catch (err: unknown) {
      this.#entries.delete(key);
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
      throw err;
    }
    await this.#evict();
  }

  #rootDir(): Promise<string> {
    this.#root ??= mkdtemp(join(this.#options.tmpDir ?? tmpdir(), "sluice-artifact-cache-"));
    return this.#root;
  }

  async #evict(): Promise<void> {
    const ready = [...this.#entries.values()].filter((e) => e.dir !== undefined);
    let count = ready.length;
    let bytes = ready.reduce((sum, e) => sum + e.bytes, 0);
    const candidates = ready.filter((e) => e.refs === 0).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const victim of candidates) {
      if (count <= this.#maxEntries && bytes <= this.#maxBytes) break;
      this.#entries.delete(victim.digest);
      count -= 1;
      bytes -= victim.bytes;
      this.#stats.evictions += 1;
      await rm(victim.dir!, { recursive: true, force: true });
    }
  }
}

/** Waits for `work`, or rejects with the signal's reason as soon as `signal` aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
