// `gitea`: a commit status (pending for Progressing, success, failure) through Gitea's API v1 with
// `Authorization: token <token>`, unless the latest status of that context already says the same.

import { eventCommit, nameAndDescription, ownerAndRepo, parseGitAddress } from "./git-helpers.js";
import { postMessage } from "./http-post.js";
import { type NotifierConstructor, NotifierError } from "./notifier.js";

interface GiteaStatus {
  status?: string;
  context?: string;
  description?: string;
}

/** `gitea`: `address` is the repository URL. */
export const giteaNotifier: NotifierConstructor = (options) => {
  if (!options.commitStatus) throw new NotifierError("commit status cannot be empty");
  const token = options.token || options.password || "";
  if (!token) throw new NotifierError("gitea token cannot be empty");
  const { host, id } = parseGitAddress(options.url);
  const [owner, repo] = ownerAndRepo(id);
  const context = options.commitStatus;
  const headers = { authorization: `token ${token}` };
  return {
    async post(event, signal) {
      const sha = eventCommit(event);
      const state =
        event.reason === "Progressing"
          ? "pending"
          : event.severity === "info"
            ? "success"
            : event.severity === "error"
              ? "failure"
              : undefined;
      if (!state) throw new NotifierError("can't convert to gitea state");
      const { description } = nameAndDescription(event);
      const base = `${host}/api/v1/repos/${owner}/${repo}/statuses/${sha}`;
      const common = { headers, tls: options.tls, proxyUrl: options.proxyUrl, signal };
      let statuses: GiteaStatus[];
      try {
        const res = await postMessage(`${base}?page=0&limit=50`, undefined, { ...common, method: "GET" });
        const parsed: unknown = JSON.parse(res.body);
        statuses = Array.isArray(parsed) ? (parsed as GiteaStatus[]) : [];
      } catch (err: unknown) {
        throw new NotifierError(`could not list commit statuses: ${err instanceof Error ? err.message : String(err)}`);
      }
      const latest = statuses.find((s) => s.context === context && s.status && s.description);
      if (latest && latest.status === state && latest.description === description) return;
      await postMessage(base, { state, target_url: "", description, context }, common);
    },
  };
};
