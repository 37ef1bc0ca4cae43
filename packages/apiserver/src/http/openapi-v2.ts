import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ResourceRegistry } from "../resources/registry.js";
import { sendContent } from "./conditional-get.js";
import { builtinDefinitions } from "./openapi.js";

/** The media type of the protobuf OpenAPI v2 answer (clients ask with the older `...v2@v1.0+protobuf`). */
export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

function field(num: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([...varint((num << 3) | 2), ...varint(payload.length)]), payload]);
}

function str(num: number, s: string): Buffer {
  return field(num, Buffer.from(s, "utf8"));
}

/**
 * The OpenAPI v2 document: swagger 2.0 with info and empty paths and definitions. kubectl falls back to it
 * for client-side validation of kinds the server does not serve (such as `v1/List`); kinds without a
 * definition are not validated client-side, and served kinds are validated by the server (fieldValidation).
 */
function documentProtobuf(): Buffer {
  const info = Buffer.concat([str(1, "Kubernetes"), str(2, "v1.33.0")]);
  return Buffer.concat([str(1, "2.0"), field(2, info), field(8, Buffer.alloc(0)), field(9, Buffer.alloc(0))]);
}

/**
 * Serves /openapi/v2: as JSON, swagger 2.0 with the definitions of every served built-in kind (the Kubernetes
 * OpenAPI schema the server validates with); as protobuf (what kubectl asks for) the document without
 * definitions, so kubectl leaves validation of served kinds to the server (fieldValidation) and explains from v3.
 */
export function serveOpenApiV2(req: IncomingMessage, res: ServerResponse, registry: ResourceRegistry): void {
  // As kube-openapi's v2 handler: the first Accept clause it can serve wins; ETag, 304s; otherwise 406.
  const clauses = (req.headers.accept ?? "*/*").split(",").map((c) => (c.split(";")[0] ?? "").trim().toLowerCase());
  for (const clause of clauses) {
    if (clause.includes("protobuf") && clause.startsWith("application/com.github.proto-openapi.spec.v2")) {
      send(req, res, documentProtobuf(), OPENAPI_V2_PROTOBUF);
      return;
    }
    if (clause === "application/json" || clause === "application/*" || clause === "*/*") {
      const definitions = builtinDefinitions(registry.all(), "v2");
      const doc = { swagger: "2.0", info: { title: "Kubernetes", version: "v1.33.0" }, paths: {}, definitions };
      send(req, res, JSON.stringify(doc), "application/json");
      return;
    }
  }
  res.writeHead(406, { Vary: "Accept", "Cache-Control": "no-cache, private" });
  res.end();
}

/** When each served body (by its hash) was first served: its Last-Modified. */
const firstServed = new Map<string, Date>();

function send(req: IncomingMessage, res: ServerResponse, body: string | Buffer, contentType: string): void {
  const etag = createHash("sha512").update(body).digest("hex").toUpperCase();
  let since = firstServed.get(etag);
  if (since === undefined) {
    if (firstServed.size > 64) firstServed.clear();
    since = new Date();
    firstServed.set(etag, since);
  }
  sendContent(req, res, body, contentType, etag, since, { Vary: "Accept" });
}
