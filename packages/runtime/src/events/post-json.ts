// One JSON POST over node:http(s) with a keep-alive agent per scheme. Events are small and many (three per
// Kustomization reconcile): fetch's web-stream machinery cost about twice the CPU per POST of a plain request
// in a profile of 1000 Kustomizations (issue 17).

import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 16 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 16 });

/** A POST that got no HTTP answer in time. */
export class PostTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = "TimeoutError";
  }
}

/**
 * POSTs `body` as application/json to `address`; resolves with the status once the answer is read. A kept-alive
 * connection the server closed while idle fails before any answer: that POST is sent again at once on a new one.
 */
export async function postJson(address: string, body: string, timeoutMs: number): Promise<number> {
  try {
    return await postOnce(address, body, timeoutMs);
  } catch (err: unknown) {
    if (!(err instanceof StaleConnectionError)) throw err;
    return postOnce(address, body, timeoutMs);
  }
}

/** The request went out on a reused connection that turned out to be closed. */
class StaleConnectionError extends Error {}

function postOnce(address: string, body: string, timeoutMs: number): Promise<number> {
  const url = new URL(address);
  const https = url.protocol === "https:";
  return new Promise<number>((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      url,
      {
        method: "POST",
        agent: https ? httpsAgent : httpAgent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.once("end", () => {
          clearTimeout(timer);
          resolve(res.statusCode ?? 0);
        });
        res.once("error", (err) => {
          clearTimeout(timer);
          reject(err);
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new PostTimeoutError(timeoutMs)), timeoutMs);
    req.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const stale = req.reusedSocket && (err.code === "ECONNRESET" || err.code === "EPIPE");
      reject(stale ? new StaleConnectionError(err.message, { cause: err }) : err);
    });
    req.end(body);
  });
}
