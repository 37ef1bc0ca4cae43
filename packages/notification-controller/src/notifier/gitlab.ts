// `gitlab`: a commit status (success/failed) on the event's revision through GitLab's API v4, with the
// token as PRIVATE-TOKEN, unless a status of the same name, state and description exists. Progressing
// events are skipped.

import { eventCommit, isProgressing, nameAndDescription, parseGitAddress } from "./git-helpers.js";
import { postMessage } from "./http-post.js";
import { type NotifierConstructor, NotifierError } from "./notifier.js";

interface CommitStatus {
  sha?: string;
  status?: string;
  name?: string;
  description?: string;
}

/** `gitlab`: `address` is the project URL; the token comes from `token` (or `password`). */
export const gitLabNotifier: NotifierConstructor = (options) => {
  const token = options.token || options.password || "";
  if (!token) throw new NotifierError("gitlab token cannot be empty");
  const { host, id } = parseGitAddress(options.url);
  if (!options.commitStatus) throw new NotifierError("commit status cannot be empty");
  const name = options.commitStatus;
  const project = `${host}/api/v4/projects/${encodeURIComponent(id)}`;
  const headers = { "private-token": token };
  return {
    async post(event, signal) {
      if (isProgressing(event)) return;
      const sha = eventCommit(event);
      const state = event.severity === "info" ? "success" : event.severity === "error" ? "failed" : undefined;
      if (!state) throw new NotifierError("can't convert to gitlab state");
      const { description } = nameAndDescription(event);
      const common = { headers, tls: options.tls, proxyUrl: options.proxyUrl, signal };
      let statuses: CommitStatus[];
      try {
        const res = await postMessage(
          `${project}/repository/commits/${sha}/statuses?name=${encodeURIComponent(name)}`,
          undefined,
          { ...common, method: "GET" },
        );
        const parsed: unknown = JSON.parse(res.body);
        statuses = Array.isArray(parsed) ? (parsed as CommitStatus[]) : [];
      } catch (err: unknown) {
        throw new NotifierError(`unable to list commit status: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (
        statuses.some((s) => s.sha === sha && s.status === state && s.description === description && s.name === name)
      ) {
        return;
      }
      await postMessage(`${project}/statuses/${sha}`, { state, name, description }, common);
    },
  };
};
