// `azuredevops`: a Git commit status (succeeded/error) with genre `fluxcd` (`fluxcd:<summary>` when the
// event has a summary) through the Azure DevOps REST API 6.0 with the PAT as basic auth, unless the latest
// status of that name and genre already says the same. Progressing events are skipped.

import type { FluxEvent } from "@sluice/runtime/events";
import { eventCommit, isProgressing, nameAndDescription, parseGitAddress } from "./git-helpers.js";
import { postMessage } from "./http-post.js";
import { type NotifierConstructor, NotifierError } from "./notifier.js";

interface GitStatus {
  state?: string;
  description?: string;
  context?: { name?: string; genre?: string };
}

function genre(event: FluxEvent): string {
  const summary = event.metadata?.["summary"];
  return summary !== undefined ? `fluxcd:${summary}` : "fluxcd";
}

/** `azuredevops`: `address` is `https://dev.azure.com/<org>/<project>/_git/<repo>`; the token a PAT. */
export const azureDevOpsNotifier: NotifierConstructor = (options) => {
  const token = options.token ?? "";
  if (!token) throw new NotifierError("azure devops token cannot be empty (workload identity is not supported here)");
  const { host, id } = parseGitAddress(options.url);
  if (!options.commitStatus) throw new NotifierError("commit status cannot be empty");
  const parts = id.split("/");
  if (parts.length !== 4) throw new NotifierError(`invalid repository id "${id}"`);
  const [org, project, , repo] = parts as [string, string, string, string];
  const name = options.commitStatus;
  const headers = { authorization: `Basic ${Buffer.from(`:${token}`).toString("base64")}` };
  return {
    async post(event, signal) {
      if (isProgressing(event)) return;
      const sha = eventCommit(event);
      const state = event.severity === "info" ? "succeeded" : event.severity === "error" ? "error" : undefined;
      if (!state) throw new NotifierError("can't convert to azure devops state");
      const { description } = nameAndDescription(event);
      const g = genre(event);
      const url = `${host}/${org}/${project}/_apis/git/repositories/${repo}/commits/${sha}/statuses?api-version=6.0`;
      const common = { headers, tls: options.tls, proxyUrl: options.proxyUrl, signal };
      let statuses: GitStatus[];
      try {
        const res = await postMessage(url, undefined, { ...common, method: "GET" });
        statuses = (JSON.parse(res.body) as { value?: GitStatus[] }).value ?? [];
      } catch (err: unknown) {
        throw new NotifierError(`could not list commit statuses: ${err instanceof Error ? err.message : String(err)}`);
      }
      const latest = statuses.find(
        (s) => s.context?.name === name && s.context.genre === g && s.state != null && s.description != null,
      );
      if (latest && latest.state === state && latest.description === description) return;
      await postMessage(url, { state, description, context: { name, genre: g } }, common);
    },
  };
};
