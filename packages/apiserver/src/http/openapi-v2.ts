import type { IncomingMessage, ServerResponse } from "node:http";
import type { ResourceRegistry } from "../resources/registry.js";
import { builtinDefinitions } from "./openapi.js";
import { sendJson } from "./respond.js";

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
  const accept = req.headers.accept ?? "";
  if (accept.includes("protobuf")) {
    const body = documentProtobuf();
    res.writeHead(200, { "Content-Type": OPENAPI_V2_PROTOBUF, "Content-Length": String(body.length) });
    res.end(body);
    return;
  }
  const definitions = builtinDefinitions(registry.all(), "v2");
  sendJson(res, 200, { swagger: "2.0", info: { title: "Kubernetes", version: "v1.33.0" }, paths: {}, definitions });
}
