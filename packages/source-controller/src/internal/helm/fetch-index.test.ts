import { createServer as createHttpServer, type IncomingHttpHeaders, type RequestListener } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { createTestPki, type TestPki } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchIndex, IndexFetchError, indexUrl, redactUrl } from "./fetch-index.js";

interface Served {
  url: string;
  seen: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

async function serve(handler: RequestListener, tls?: { key: string; cert: string; ca?: string }): Promise<Served> {
  const seen: Served["seen"] = [];
  const wrapped: RequestListener = (req, res) => {
    seen.push({ path: req.url ?? "", headers: req.headers });
    handler(req, res);
  };
  const server = tls
    ? createHttpsServer({ ...tls, ...(tls.ca ? { requestCert: true, rejectUnauthorized: true } : {}) }, wrapped)
    : createHttpServer(wrapped);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const INDEX = "apiVersion: v1\nentries: {}\n";
const auth = { username: "u", password: "p" };
const basic = `Basic ${Buffer.from("u:p").toString("base64")}`;

let pki: TestPki;
const servers: Served[] = [];
const track = async (s: Promise<Served>) => {
  const served = await s;
  servers.push(served);
  return served;
};

beforeAll(() => {
  pki = createTestPki();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe("indexUrl / redactUrl", () => {
  it("joins index.yaml like path.Join and strips user info", () => {
    expect(indexUrl("http://h/charts/").toString()).toBe("http://h/charts/index.yaml");
    expect(indexUrl("http://h/charts").toString()).toBe("http://h/charts/index.yaml");
    expect(indexUrl("http://h").toString()).toBe("http://h/index.yaml");
    expect(redactUrl("http://a:b@h/x/index.yaml")).toBe("http://h/x/index.yaml");
  });
});

describe("fetchIndex", () => {
  it("sends basic auth to the repository host and follows redirects on it", async () => {
    const s = await track(
      serve((req, res) => {
        if (req.url === "/old/index.yaml") res.writeHead(301, { Location: "/new/index.yaml" }).end();
        else if (req.url === "/new/index.yaml" && req.headers.authorization === basic) res.end(INDEX);
        else res.writeHead(401).end();
      }),
    );
    const body = await fetchIndex(new URL(`${s.url}/old/index.yaml`), { basicAuth: auth, timeoutMs: 5_000 });
    expect(body.toString()).toBe(INDEX);
    expect(s.seen.map((r) => r.path)).toEqual(["/old/index.yaml", "/new/index.yaml"]);
  });

  it("sends credentials to another host only with passCredentials", async () => {
    const other = await track(
      serve((req, res) => {
        res.end(req.headers.authorization === basic ? INDEX : "apiVersion: v1\n");
      }),
    );
    const origin = await track(serve((_req, res) => res.writeHead(302, { Location: `${other.url}/index.yaml` }).end()));
    const url = new URL(`${origin.url}/index.yaml`);
    await fetchIndex(url, { basicAuth: auth, timeoutMs: 5_000 });
    expect(other.seen.at(-1)?.headers.authorization).toBeUndefined();
    await fetchIndex(url, { basicAuth: auth, passCredentials: true, timeoutMs: 5_000 });
    expect(other.seen.at(-1)?.headers.authorization).toBe(basic);
    expect(origin.seen.every((r) => r.headers.authorization === basic)).toBe(true);
  });

  it("reports non-2xx answers with Helm's wording and no credentials", async () => {
    const s = await track(serve((_req, res) => res.writeHead(404).end()));
    const url = new URL(`${s.url}/x/index.yaml`);
    url.username = "user";
    url.password = "secret";
    const err = await fetchIndex(url, { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IndexFetchError);
    expect((err as Error).message).toBe(`failed to fetch ${s.url}/x/index.yaml : 404 Not Found`);
    // Credentials in the URL are used as basic auth for the repository host.
    expect(s.seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from("user:secret").toString("base64")}`);
  });

  it("refuses indexes above the size limit", async () => {
    const s = await track(serve((_req, res) => res.end("x".repeat(2048))));
    await expect(fetchIndex(new URL(`${s.url}/index.yaml`), { timeoutMs: 5_000, maxSize: 1024 })).rejects.toThrow(
      "index exceeds the maximum index file size of 1024 bytes",
    );
  });

  it("times out", async () => {
    const s = await track(serve(() => undefined));
    await expect(fetchIndex(new URL(`${s.url}/index.yaml`), { timeoutMs: 200 })).rejects.toThrow(
      /context deadline exceeded/,
    );
  });

  it("trusts the given CA and presents the client certificate over HTTPS", async () => {
    const s = await track(
      serve((_req, res) => res.end(INDEX), { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert }),
    );
    const url = new URL(`${s.url}/index.yaml`);
    await expect(fetchIndex(url, { timeoutMs: 5_000 })).rejects.toThrow(IndexFetchError);
    await expect(fetchIndex(url, { timeoutMs: 5_000, caCert: pki.caCert })).rejects.toThrow(IndexFetchError);
    const body = await fetchIndex(url, {
      timeoutMs: 5_000,
      caCert: pki.caCert,
      clientCert: { cert: pki.clientCert, key: pki.clientKey },
    });
    expect(body.toString()).toBe(INDEX);
  });
});
