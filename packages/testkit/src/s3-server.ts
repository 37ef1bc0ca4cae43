// A real S3-compatible server for Bucket tests: npm's s3rver (a Koa implementation of the S3 REST API on the
// filesystem) on 127.0.0.1 and a free port, over HTTP or HTTPS, recording the requests it answered.
// s3rver knows one account (access key `S3RVER`, secret `S3RVER`): it refuses unknown access key ids
// (InvalidAccessKeyId) but does not check V4 signatures, and serves anonymous requests.

import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import S3rver from "s3rver";
import { tempDir } from "./tree.js";

/** A request the server answered. */
export interface S3Request {
  method: string;
  /** Path and query, e.g. `/bucket/key` or `/bucket?list-type=2&prefix=`. */
  path: string;
  status: number;
}

/** A running S3 server. */
export interface S3Server {
  /** `127.0.0.1:<port>`: what `Bucket.spec.endpoint` takes. */
  endpoint: string;
  /** The access key and secret key s3rver knows. */
  accessKey: string;
  secretKey: string;
  requests: S3Request[];
  /** Creates a bucket (anonymous PUT). */
  createBucket(bucket: string): Promise<void>;
  /** Uploads an object (anonymous PUT); resolves with its ETag without quotes. */
  putObject(bucket: string, key: string, body: string | Buffer): Promise<string>;
  /** Deletes an object. */
  deleteObject(bucket: string, key: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1; with `tls` it serves HTTPS with that key and certificate, trusting `tls.ca` in its own helpers. */
export async function startS3Server(
  options: { buckets?: string[]; tls?: { key: string; cert: string; ca: string } } = {},
): Promise<S3Server> {
  const dir = await tempDir("s3rver-");
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: dir.path,
    vhostBuckets: false,
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
  });
  const address = (await server.run()) as AddressInfo;
  const requests: S3Request[] = [];
  server.httpServer.on(
    "request",
    (req: IncomingMessage, res: { statusCode: number; on: (e: string, f: () => void) => void }) => {
      res.on("finish", () => requests.push({ method: req.method ?? "", path: req.url ?? "", status: res.statusCode }));
    },
  );
  const endpoint = `127.0.0.1:${address.port}`;
  const send = (method: string, path: string, body?: string | Buffer) =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const opts = { host: "127.0.0.1", port: address.port, method, path, headers: {} as Record<string, string> };
      if (body !== undefined) opts.headers["content-length"] = String(Buffer.byteLength(body));
      const req = options.tls ? httpsRequest({ ...opts, ca: options.tls.ca }) : httpRequest(opts);
      req.on("response", (res) => {
        res.resume();
        res.on("end", () => {
          if ((res.statusCode ?? 0) >= 300) reject(new Error(`s3rver ${method} ${path}: ${res.statusCode}`));
          else resolve(res);
        });
      });
      req.on("error", reject);
      req.end(body);
    });
  const objectPath = (bucket: string, key: string) => `/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
  const s3: S3Server = {
    endpoint,
    accessKey: "S3RVER",
    secretKey: "S3RVER",
    requests,
    async createBucket(bucket) {
      await send("PUT", `/${bucket}`);
    },
    async putObject(bucket, key, body) {
      const res = await send("PUT", objectPath(bucket, key), body);
      return String(res.headers.etag ?? "").replace(/"/g, "");
    },
    async deleteObject(bucket, key) {
      await send("DELETE", objectPath(bucket, key));
    },
    async stop() {
      await server.close();
      await dir.remove();
    },
  };
  for (const bucket of options.buckets ?? []) await s3.createBucket(bucket);
  return s3;
}
