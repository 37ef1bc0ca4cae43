import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { createStreamingHash, type Digest, type DigestAlgorithmName } from "./digest.js";
import { ArchiveLimitError, ArtifactDownloadError, ArtifactError, ArtifactNotFoundError } from "./errors.js";

/** How an artifact download retries and what it accepts. */
export interface DownloadOptions {
  /** Retries after the first attempt (Flux `--http-retry`, default 9). */
  retries?: number;
  /** Timeout of one attempt, headers and body, in ms (default 30 s, as helm-controller's `--http-timeout`). */
  timeoutMs?: number;
  /** First backoff delay in ms; doubles each retry (default 1 s). */
  retryWaitMinMs?: number;
  /** Largest backoff delay in ms, also the cap on a server's Retry-After (default 30 s). */
  retryWaitMaxMs?: number;
  /** Largest archive accepted, in bytes (default 100 MiB). */
  maxDownloadBytes?: number;
  /** Aborts the download (and any backoff wait). */
  signal?: AbortSignal;
}

/** Default download settings. */
export const DefaultDownloadOptions = {
  retries: 9,
  timeoutMs: 30_000,
  retryWaitMinMs: 1_000,
  retryWaitMaxMs: 30_000,
  maxDownloadBytes: 100 * 1024 * 1024,
} as const;

/** What a finished download produced. */
export interface DownloadResult {
  /** Digest of the downloaded bytes, in the requested algorithm. */
  digest: Digest;
  bytes: number;
  /** Attempts made (1 when the first one succeeded). */
  attempts: number;
}

/** A failure worth another attempt (network error, timeout, 429, 5xx other than 501). */
class RetryableError extends ArtifactError {
  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * GETs `url` into `file`, hashing the bytes with `algorithm` as they stream in. Retries network errors,
 * timeouts, 429 and 5xx (not 501) with exponential backoff, honouring Retry-After; a 404 fails at once with
 * {@link ArtifactNotFoundError}, other statuses with {@link ArtifactDownloadError}; a body larger than
 * `maxDownloadBytes` fails with {@link ArchiveLimitError}. A failed attempt leaves no file behind.
 */
export async function downloadArtifact(
  url: string,
  file: string,
  algorithm: DigestAlgorithmName,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const retries = options.retries ?? DefaultDownloadOptions.retries;
  const waitMin = options.retryWaitMinMs ?? DefaultDownloadOptions.retryWaitMinMs;
  const waitMax = options.retryWaitMaxMs ?? DefaultDownloadOptions.retryWaitMaxMs;
  let lastError: RetryableError | undefined;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) {
      const backoff = Math.min(waitMax, waitMin * 2 ** (attempt - 1));
      const delay = lastError?.retryAfterMs !== undefined ? Math.min(waitMax, lastError.retryAfterMs) : backoff;
      await sleep(delay, undefined, options.signal ? { signal: options.signal } : undefined);
    }
    try {
      const { digest, bytes } = await attemptDownload(url, file, algorithm, options);
      return { digest, bytes, attempts: attempt + 1 };
    } catch (err: unknown) {
      await rm(file, { force: true });
      if (!(err instanceof RetryableError) || options.signal?.aborted) throw unwrap(url, err);
      lastError = err;
    }
  }
  throw new ArtifactDownloadError(
    url,
    `giving up after ${retries + 1} attempts: ${lastError?.message ?? "unknown error"}`,
    lastError?.status,
    { cause: lastError },
  );
}

function unwrap(url: string, err: unknown): Error {
  if (err instanceof ArtifactError && !(err instanceof RetryableError)) return err;
  if (err instanceof RetryableError) return new ArtifactDownloadError(url, err.message, err.status, { cause: err });
  return new ArtifactDownloadError(url, err instanceof Error ? err.message : String(err), undefined, { cause: err });
}

async function attemptDownload(
  url: string,
  file: string,
  algorithm: DigestAlgorithmName,
  options: DownloadOptions,
): Promise<{ digest: Digest; bytes: number }> {
  const timeoutMs = options.timeoutMs ?? DefaultDownloadOptions.timeoutMs;
  const maxBytes = options.maxDownloadBytes ?? DefaultDownloadOptions.maxDownloadBytes;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: "follow" });
  } catch (err: unknown) {
    if (options.signal?.aborted) throw err;
    throw new RetryableError(describeFetchError(err, timeoutMs), undefined, undefined, { cause: err });
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {});
    if (response.status === 404) throw new ArtifactNotFoundError(url);
    const text = `HTTP ${response.status} ${response.statusText}`.trim();
    if (response.status === 429 || (response.status >= 500 && response.status !== 501)) {
      throw new RetryableError(text, response.status, parseRetryAfter(response.headers.get("retry-after")));
    }
    throw new ArtifactDownloadError(url, text, response.status);
  }
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw new ArchiveLimitError(`artifact is ${declared} bytes, over the maximum download size of ${maxBytes} bytes`);
  }
  if (!response.body) throw new RetryableError("empty response body");

  const hash = createStreamingHash(algorithm);
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        callback(new ArchiveLimitError(`artifact is larger than the maximum download size of ${maxBytes} bytes`));
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>),
      meter,
      createWriteStream(file, { flags: "wx", mode: 0o600 }),
    );
  } catch (err: unknown) {
    if (err instanceof ArtifactError || options.signal?.aborted) throw err;
    throw new RetryableError(`reading body: ${describeFetchError(err, timeoutMs)}`, 200, undefined, { cause: err });
  }
  return { digest: hash.digest(), bytes };
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === "TimeoutError") return `timed out after ${timeoutMs} ms`;
    const cause = (err as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) return `${err.message}: ${cause.message}`;
    return err.message;
  }
  return String(err);
}

function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
