// `githubdispatch`: a repository_dispatch event (`event_type` = `Kind/name.namespace`, `client_payload` =
// the Flux event) that GitHub Actions workflows can react to.

import { eventJson } from "./event-text.js";
import { gitHubCall, gitHubRepo } from "./github-api.js";
import { type NotifierConstructor, NotifierError } from "./notifier.js";

/** `githubdispatch`: `address` is the repository URL. */
export const gitHubDispatchNotifier: NotifierConstructor = (options) => {
  const repo = gitHubRepo(options);
  return {
    async post(event, signal) {
      const o = event.involvedObject;
      const body = {
        event_type: `${o.kind}/${o.name}.${o.namespace ?? ""}`,
        client_payload: JSON.parse(eventJson(event)),
      };
      await gitHubCall(repo, "POST", `/repos/${repo.owner}/${repo.repo}/dispatches`, body, options, signal).catch(
        (err: unknown) => {
          throw new NotifierError(
            `could not send github repository dispatch webhook: ${err instanceof Error ? err.message : String(err)}`,
          );
        },
      );
    },
  };
};
