// How each Receiver type authenticates a webhook call and which event it names (Flux's
// ReceiverServer.validate): a signature or token check, the `spec.events` filter, and payload checks. A
// verifier returns the (possibly rewritten) body and a log line, or throws {@link WebhookRejectedError}.

import type { IncomingHttpHeaders } from "node:http";
import type { Receiver, ReceiverType } from "@sluice/api";
import { type GoogleIdTokenVerifier, IdTokenError } from "./google-id-token.js";
import { checkHmacSignature, constantTimeEqual } from "./signatures.js";

/** The call was refused (answered 400); the message is logged, never returned to the caller. */
export class WebhookRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookRejectedError";
  }
}

/** A webhook call as the verifiers see it. */
export interface WebhookCall {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The Receiver's secret: its `token` and every key (GCR reads `email` and `audience`). */
export interface ReceiverSecret {
  token: string;
  data: Readonly<Record<string, string>>;
}

/** What a successful verification gives. */
export interface Verified {
  /** The body the resource filters see (GCR unwraps its Pub/Sub envelope). */
  body: Buffer;
  /** A short description for the log (`handling GitHub event: push`). */
  description: string;
  /** Whether the call carried a signature over its body (replays of it can be detected). */
  signed: boolean;
}

/** What verifiers may need besides the call. */
export interface VerifyContext {
  /** Checks the Google ID tokens of `gcr` Receivers. */
  googleIdTokens: GoogleIdTokenVerifier;
  signal?: AbortSignal | undefined;
}

type Verifier = (
  call: WebhookCall,
  receiver: Receiver,
  secret: ReceiverSecret,
  ctx: VerifyContext,
) => Verified | Promise<Verified>;

function header(call: WebhookCall, name: string): string {
  const v = call.headers[name.toLowerCase()];
  return Array.isArray(v) ? (v[0] ?? "") : (v ?? "");
}

function allowEvent(receiver: Receiver, event: string, what: string): void {
  const events = receiver.spec.events ?? [];
  if (events.length === 0) return;
  if (!events.some((e) => e.toLowerCase() === event.toLowerCase())) {
    throw new WebhookRejectedError(`the ${what} "${event}" is not authorised`);
  }
}

function json<T>(call: WebhookCall, what: string): T {
  try {
    return JSON.parse(call.body.toString("utf8")) as T;
  } catch (err: unknown) {
    throw new WebhookRejectedError(
      `cannot decode ${what} webhook payload: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** The body GitHub-style senders sign (the `payload` form field for form-encoded deliveries). */
function githubStylePayload(call: WebhookCall, token: string, what: string): Buffer {
  const signature = header(call, "X-Hub-Signature-256") || header(call, "X-Hub-Signature");
  const reason = checkHmacSignature(signature || undefined, call.body, token);
  if (reason) throw new WebhookRejectedError(`the ${what} signature header is invalid, err: ${reason}`);
  const type = header(call, "Content-Type").split(";")[0]?.trim();
  if (type === "application/x-www-form-urlencoded") {
    const payload = new URLSearchParams(call.body.toString("utf8")).get("payload");
    return Buffer.from(payload ?? "");
  }
  if (type !== "application/json")
    throw new WebhookRejectedError(`the ${what} payload has unsupported Content-Type "${type ?? ""}"`);
  return call.body;
}

const verifiers: Partial<Record<ReceiverType, Verifier>> = {
  generic: (call) => ({ body: call.body, description: "handling generic webhook", signed: false }),

  "generic-hmac": (call, _r, secret) => {
    const reason = checkHmacSignature(header(call, "X-Signature") || undefined, call.body, secret.token);
    if (reason) throw new WebhookRejectedError(`unable to validate HMAC signature: ${reason}`);
    return { body: call.body, description: "handling generic-hmac webhook", signed: true };
  },

  github: (call, receiver, secret) => {
    const body = githubStylePayload(call, secret.token, "GitHub");
    const event = header(call, "X-GitHub-Event");
    allowEvent(receiver, event, "GitHub event");
    return { body, description: `handling GitHub event: ${event}`, signed: true };
  },

  gitlab: (call, receiver, secret) => {
    if (!constantTimeEqual(header(call, "X-Gitlab-Token"), secret.token)) {
      throw new WebhookRejectedError("the X-Gitlab-Token header value does not match the receiver token");
    }
    const event = header(call, "X-Gitlab-Event");
    allowEvent(receiver, event, "GitLab event");
    return { body: call.body, description: `handling GitLab event: ${event}`, signed: false };
  },

  bitbucket: (call, receiver, secret) => {
    const body = githubStylePayload(call, secret.token, "Bitbucket server");
    const event = header(call, "X-Event-Key");
    allowEvent(receiver, event, "Bitbucket server event");
    return { body, description: `handling Bitbucket server event: ${event}`, signed: true };
  },

  harbor: (call, _r, secret) => {
    if (!constantTimeEqual(header(call, "Authorization"), secret.token)) {
      throw new WebhookRejectedError("the Harbor Authorization header value does not match the receiver token");
    }
    return { body: call.body, description: "handling Harbor event", signed: false };
  },

  quay: (call) => {
    const p = json<{ docker_url?: unknown }>(call, "Quay");
    return { body: call.body, description: `handling Quay event from ${String(p.docker_url ?? "")}`, signed: false };
  },

  dockerhub: (call) => {
    const p = json<{ push_data?: { tag?: unknown }; repository?: { repo_url?: unknown } }>(call, "DockerHub");
    return {
      body: call.body,
      description: `handling DockerHub event from ${String(p.repository?.repo_url ?? "")} for tag ${String(p.push_data?.tag ?? "")}`,
      signed: false,
    };
  },

  nexus: (call, _r, secret) => {
    const signature = header(call, "X-Nexus-Webhook-Signature");
    if (!signature) throw new WebhookRejectedError("the Nexus signature is missing from header");
    if (checkHmacSignature(`sha1=${signature}`, call.body, secret.token) !== undefined) {
      throw new WebhookRejectedError("invalid Nexus signature");
    }
    const p = json<{ repositoryName?: unknown }>(call, "Nexus");
    return {
      body: call.body,
      description: `handling Nexus event from ${String(p.repositoryName ?? "")}`,
      signed: true,
    };
  },

  acr: (call) => {
    const p = json<{ target?: { repository?: unknown; tag?: unknown } }>(call, "ACR");
    return {
      body: call.body,
      description: `handling ACR event from ${String(p.target?.repository ?? "")} for tag ${String(p.target?.tag ?? "")}`,
      signed: false,
    };
  },

  // Pub/Sub push from Artifact Registry/GCR: a Google-signed ID token for the secret's `audience` and
  // `email`; the filters see the decoded message data ({action, digest, tag}).
  gcr: async (call, _r, secret, ctx) => {
    const email = secret.data["email"] ?? "";
    if (!email) throw new WebhookRejectedError("invalid secret data: required field 'email' for GCR receiver");
    const audience = secret.data["audience"] ?? "";
    if (!audience) throw new WebhookRejectedError("invalid secret data: required field 'audience' for GCR receiver");
    const bearer = header(call, "Authorization");
    if (!bearer.startsWith("Bearer ")) {
      throw new WebhookRejectedError(
        "cannot authenticate GCR request: the Authorization header is missing or malformed",
      );
    }
    const token = bearer.slice("Bearer ".length);
    let claims: Record<string, unknown>;
    try {
      claims = await ctx.googleIdTokens.verify(token, audience, ctx.signal);
    } catch (err: unknown) {
      if (!(err instanceof IdTokenError)) throw err;
      let got = "<unknown>";
      try {
        const aud: unknown = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")).aud;
        if (typeof aud === "string" && aud) got = aud;
      } catch {
        // the audience stays unknown
      }
      throw new WebhookRejectedError(
        `cannot authenticate GCR request: invalid ID token: audience is '${got}', want '${audience}': ${err.message}`,
      );
    }
    const issuer = typeof claims["iss"] === "string" ? claims["iss"] : "";
    if (issuer !== "accounts.google.com" && issuer !== "https://accounts.google.com") {
      throw new WebhookRejectedError(
        `cannot authenticate GCR request: token issuer is '${issuer}', want 'accounts.google.com' or 'https://accounts.google.com'`,
      );
    }
    const tokenEmail = typeof claims["email"] === "string" ? claims["email"] : "";
    if (tokenEmail !== email) {
      throw new WebhookRejectedError(
        `cannot authenticate GCR request: token email is '${tokenEmail}', want '${email}'`,
      );
    }
    if (claims["email_verified"] !== true) {
      throw new WebhookRejectedError(`cannot authenticate GCR request: token email '${tokenEmail}' is not verified`);
    }
    const p = json<{ message?: { data?: unknown } }>(call, "GCR");
    let d: { action?: unknown; digest?: unknown; tag?: unknown };
    try {
      d = JSON.parse(Buffer.from(String(p.message?.data ?? ""), "base64").toString("utf8")) as typeof d;
      if (!d || typeof d !== "object") throw new Error("not an object");
    } catch (err: unknown) {
      throw new WebhookRejectedError(
        `cannot decode GCR webhook body: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const str = (v: unknown) => (typeof v === "string" ? v : "");
    const data = { action: str(d.action), digest: str(d.digest), tag: str(d.tag) };
    return {
      body: Buffer.from(JSON.stringify(data)),
      description: `handling GCR event from ${data.digest} for tag ${data.tag}`,
      signed: false,
    };
  },

  cdevents: (call, receiver) => {
    const event = header(call, "Ce-Type");
    const p = json<{
      context?: { type?: unknown; id?: unknown; source?: unknown; specversion?: unknown };
      subject?: unknown;
    }>(call, "CDEvent");
    const ctx = p.context;
    if (
      !ctx ||
      typeof ctx.type !== "string" ||
      !ctx.type.startsWith("dev.cdevents.") ||
      !ctx.id ||
      !ctx.source ||
      !p.subject
    ) {
      throw new WebhookRejectedError(
        "unable to validate CDEvent event: context.type, context.id, context.source and subject are required",
      );
    }
    allowEvent(receiver, event, "CDEvent");
    return { body: call.body, description: `handling CDEvent: ${event}`, signed: false };
  },
};

/** The receiver types this build verifies. */
export const VERIFIED_RECEIVER_TYPES = Object.keys(verifiers) as ReceiverType[];

/** Verifies a call for `receiver`; rejects with {@link WebhookRejectedError} when it is refused. */
export async function verifyWebhook(
  call: WebhookCall,
  receiver: Receiver,
  secret: ReceiverSecret,
  ctx: VerifyContext,
): Promise<Verified> {
  const verify = verifiers[receiver.spec.type];
  if (!verify) throw new WebhookRejectedError(`receiver type "${receiver.spec.type}" not supported`);
  return verify(call, receiver, secret, ctx);
}
