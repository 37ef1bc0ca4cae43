// `github`: a commit status (success/failure) on the event's revision, named by the commit status id, unless
// the latest status of that context already says the same. Progressing events are skipped.

import { eventCommit, isProgressing, nameAndDescription } from "./git-helpers.js";
import { gitHubCall, gitHubRepo } from "./github-api.js";
import { type NotifierConstructor, NotifierError } from "./notifier.js";

interface RepoStatus {
  state?: string;
  context?: string;
  description?: string;
}

/** `github`: `address` is the repository URL, the secret's token a token with `repo:status`. */
export const gitHubNotifier: NotifierConstructor = (options) => {
  if (!options.commitStatus) throw new NotifierError("commit status cannot be empty");
  const repo = gitHubRepo(options);
  const context = options.commitStatus;
  return {
    async post(event, signal) {
      if (isProgressing(event)) return;
      const sha = eventCommit(event);
      const state = event.severity === "info" ? "success" : event.severity === "error" ? "failure" : undefined;
      if (!state) throw new NotifierError("can't convert to github state");
      const { description } = nameAndDescription(event);
      const base = `/repos/${repo.owner}/${repo.repo}`;
      const statuses = (await gitHubCall(
        repo,
        "GET",
        `${base}/commits/${sha}/statuses?per_page=50`,
        undefined,
        options,
        signal,
      ).catch((err: unknown) => {
        throw new NotifierError(`could not list commit statuses: ${err instanceof Error ? err.message : String(err)}`);
      })) as RepoStatus[] | undefined;
      const latest = (Array.isArray(statuses) ? statuses : []).find(
        // As go-github's pointers: statuses without state or description (null) are passed over; "" counts.
        (s) => s.context === context && s.state != null && s.description != null,
      );
      if (latest && latest.state === state && latest.description === description) return;
      await gitHubCall(repo, "POST", `${base}/statuses/${sha}`, { state, description, context }, options, signal).catch(
        (err: unknown) => {
          throw new NotifierError(
            `could not create commit status: ${err instanceof Error ? err.message : String(err)}`,
          );
        },
      );
    },
  };
};
