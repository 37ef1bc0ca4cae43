// The webhook receiver (`--receiverAddr`, `/hook/<sha256>`; Flux's ReceiverServer): finds the Receiver whose
// `status.webhookPath` is the request path (404 when none), refuses it while suspended or not Ready (503),
// reads the body up to 3 MiB (413), authenticates the call for the Receiver's type (400, also for a replayed
// signed call), then annotates every matched resource with `reconcile.fluxcd.io/requestedAt` (200, or 500
// when one could not be annotated). Answers carry no detail; the reasons go to the log.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { RECEIVER_WEBHOOK_PATH_PREFIX, type Receiver } from "@sluice/api";
import type { KubeClient } from "@sluice/runtime/kube";
import type { Logger } from "@sluice/runtime/logging";
import { BodyTooLargeError, readBody, SERVER_LIMITS } from "../http/body-limit.js";
import type { HttpMetrics } from "../http/http-metrics.js";
import { close, listen } from "../http/listen.js";
import { GoogleIdTokenVerifier } from "../receiver/google-id-token.js";
import { requestReconciliations } from "../receiver/reconcile-requests.js";
import { ReplayGuard } from "../receiver/replay-guard.js";
import { InvalidFilterError, requestVariable } from "../receiver/resource-filter.js";
import { type ReceiverSecret, verifyWebhook, WebhookRejectedError } from "../receiver/verifiers.js";

/** Options of {@link ReceiverServer}. */
export interface ReceiverServerOptions {
  /** The Receiver whose `status.webhookPath` is `path` (from the informer's index). */
  receiverForPath(path: string): Receiver | undefined;
  /** The Receiver's secret (`token` and every key); throws when it can't be read. */
  readSecret(receiver: Receiver): Promise<ReceiverSecret>;
  client: KubeClient;
  /** `--no-cross-namespace-refs`. */
  noCrossNamespaceRefs?: boolean | undefined;
  httpMetrics?: HttpMetrics | undefined;
  logger: Logger;
  /** Resolves once the informer cache has synced (requests wait for it). */
  whenSynced?: (() => Promise<void>) | undefined;
  /** Replay detection (default: a 10-minute window). */
  replayGuard?: ReplayGuard | undefined;
  /** Checks `gcr` Receivers' ID tokens (default: against Google's published keys). */
  googleIdTokens?: GoogleIdTokenVerifier | undefined;
}

function isReady(receiver: Receiver): boolean {
  return (receiver.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

function signatureHeaders(req: IncomingMessage): string {
  return ["x-hub-signature-256", "x-hub-signature", "x-signature", "x-nexus-webhook-signature"]
    .map((h) => String(req.headers[h] ?? ""))
    .join("\0");
}

/** Serves the Receivers' webhooks. */
export class ReceiverServer {
  private readonly server: Server;
  private readonly replay: ReplayGuard;
  private readonly googleIdTokens: GoogleIdTokenVerifier;
  private syncedOnce: Promise<void> | undefined;

  constructor(private readonly options: ReceiverServerOptions) {
    this.replay = options.replayGuard ?? new ReplayGuard();
    this.googleIdTokens = options.googleIdTokens ?? new GoogleIdTokenVerifier();
    this.server = createServer(SERVER_LIMITS, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        options.logger.error({ error: err instanceof Error ? err.message : String(err) }, "webhook handling failed");
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  }

  /** Binds `addr`; resolves with the bound address. */
  listen(addr: string): Promise<AddressInfo> {
    return listen(this.server, addr);
  }

  /** Stops the server (open requests get 5 s). */
  close(): Promise<void> {
    return close(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const done = this.options.httpMetrics?.start(RECEIVER_WEBHOOK_PATH_PREFIX, req.method ?? "") ?? (() => undefined);
    const reply = (status: number) => {
      res.writeHead(status).end();
      done(status, 0);
    };
    const path = req.url ?? "";
    const log = this.options.logger;
    if (!path.startsWith(RECEIVER_WEBHOOK_PATH_PREFIX)) {
      req.resume();
      return reply(404);
    }
    log.info(`handling request: ${encodeURIComponent(path.slice(RECEIVER_WEBHOOK_PATH_PREFIX.length))}`);
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (err: unknown) {
      log.error({ error: err instanceof Error ? err.message : String(err) }, "reading the request body failed");
      return reply(err instanceof BodyTooLargeError ? 413 : 400);
    }
    this.syncedOnce ??= this.options.whenSynced?.() ?? Promise.resolve();
    await this.syncedOnce;
    const receiver = this.options.receiverForPath(path);
    if (!receiver) return reply(404);
    const rlog = log.child({ kind: "Receiver", name: receiver.metadata.name, namespace: receiver.metadata.namespace });
    if (receiver.spec.suspend || !isReady(receiver)) {
      rlog.error(
        { error: "unable to process request" },
        receiver.spec.suspend ? "receiver is suspended" : "receiver is not ready",
      );
      return reply(503);
    }
    let secret: ReceiverSecret;
    try {
      secret = await this.options.readSecret(receiver);
    } catch (err: unknown) {
      rlog.error(
        { error: `unable to read secret, error: ${err instanceof Error ? err.message : String(err)}` },
        "unable to validate payload",
      );
      return reply(400);
    }
    let verified: Awaited<ReturnType<typeof verifyWebhook>>;
    try {
      verified = await verifyWebhook({ headers: req.headers, body }, receiver, secret, {
        googleIdTokens: this.googleIdTokens,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err: unknown) {
      if (!(err instanceof WebhookRejectedError)) throw err;
      rlog.error({ error: err.message }, "unable to validate payload");
      return reply(400);
    }
    if (verified.signed && !this.replay.firstSeen(path, signatureHeaders(req), body)) {
      rlog.error({ error: "the signed request was already received (replay)" }, "unable to validate payload");
      return reply(400);
    }
    rlog.info(verified.description);
    let reqVar: Record<string, unknown> = {};
    const hasFilters = Boolean(receiver.spec.resourceFilter) || receiver.spec.resources.some((r) => r.filter);
    if (hasFilters) {
      try {
        reqVar = requestVariable(String(req.headers["content-type"] ?? ""), verified.body);
      } catch (err: unknown) {
        if (!(err instanceof InvalidFilterError)) throw err;
        rlog.error({ error: err.message }, "unable to create resource filters");
        return reply(500);
      }
    }
    const { errors } = await requestReconciliations(receiver, {
      client: this.options.client,
      noCrossNamespaceRefs: this.options.noCrossNamespaceRefs,
      req: reqVar,
      logger: rlog,
    });
    return reply(errors.length > 0 ? 500 : 200);
  }
}
