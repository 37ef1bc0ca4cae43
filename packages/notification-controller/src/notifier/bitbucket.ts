// `bitbucket` (Bitbucket Cloud): a build status keyed by SHA-1 of the commit status id, through API 2.0 with
// basic auth from a `<user>:<app password>` token, unless the existing one has the same state and
// description. `BITBUCKET_API_BASE_URL` overrides the API host, as the Go client Flux uses allows.

import { createHash } from "node:crypto";
import { eventCommit, isProgressing, nameAndDescription, ownerAndRepo, parseGitAddress } from "./git-helpers.js";
import { postMessage } from "./http-post.js";
import { type NotifierConstructor, NotifierError } from "./notifier.js";

/** `bitbucket`: `address` is the repository URL, the token `<user>:<password>`. */
export const bitbucketNotifier: NotifierConstructor = (options) => {
  const token = options.token ?? "";
  if (!token) throw new NotifierError("bitbucket token cannot be empty");
  if (!options.commitStatus) throw new NotifierError("commit status cannot be empty");
  const { id } = parseGitAddress(options.url);
  const credentials = token.split(":");
  if (credentials.length !== 2) throw new NotifierError("invalid token format, expected to be <user>:<password>");
  const [owner, repo] = ownerAndRepo(id);
  const api = (process.env["BITBUCKET_API_BASE_URL"] || "https://api.bitbucket.org/2.0").replace(/\/+$/, "");
  const key = createHash("sha1").update(options.commitStatus).digest("hex");
  const headers = { authorization: `Basic ${Buffer.from(token).toString("base64")}` };
  return {
    async post(event, signal) {
      if (isProgressing(event)) return;
      const sha = eventCommit(event);
      const state = event.severity === "info" ? "SUCCESSFUL" : event.severity === "error" ? "FAILED" : undefined;
      if (!state) throw new NotifierError("can't convert to bitbucket state");
      const { name, description } = nameAndDescription(event);
      const base = `${api}/repositories/${owner}/${repo}/commit/${sha}/statuses/build`;
      const common = { headers, tls: options.tls, proxyUrl: options.proxyUrl, signal };
      try {
        const res = await postMessage(`${base}/${key}`, undefined, { ...common, method: "GET", retries: 0 });
        const existing = JSON.parse(res.body) as { state?: string; description?: string };
        if (existing.state === state && existing.description === description) return;
      } catch (err: unknown) {
        if (!(err instanceof NotifierError && err.status === 404)) {
          throw new NotifierError(`could not get commit status: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      await postMessage(base, { state, key, name, description, url: "https://bitbucket.org" }, common);
    },
  };
};
