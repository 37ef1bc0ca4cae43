// The GitHub REST API as the github and githubdispatch providers use it: api.github.com for github.com,
// `<host>/api/v3` for GitHub Enterprise, the token as bearer, GitHub's JSON media type and API version.

import { type GitAddress, ownerAndRepo, parseGitAddress } from "./git-helpers.js";
import { postMessage } from "./http-post.js";
import { NotifierError, type NotifierOptions } from "./notifier.js";

/** A repository on a GitHub host and how to call its API. */
export interface GitHubRepo {
  apiBase: string;
  owner: string;
  repo: string;
  token: string;
}

/** Resolves `address` (the repository URL) and the token (`token`, else `password`). */
export function gitHubRepo(options: NotifierOptions): GitHubRepo {
  const token = options.token || options.password || "";
  if (!token) throw new NotifierError("github token or github app details must be specified");
  const address: GitAddress = parseGitAddress(options.url);
  const [owner, repo] = ownerAndRepo(address.id);
  const apiBase = new URL(address.host).host === "github.com" ? "https://api.github.com" : `${address.host}/api/v3`;
  return { apiBase, owner, repo, token };
}

/** Calls `method path` on the repository's API host with GitHub's headers; returns the parsed answer. */
export async function gitHubCall(
  repo: GitHubRepo,
  method: "GET" | "POST",
  path: string,
  body: unknown,
  options: NotifierOptions,
  signal: AbortSignal,
): Promise<unknown> {
  const res = await postMessage(`${repo.apiBase}${path}`, body, {
    method,
    headers: {
      accept: "application/vnd.github.v3+json",
      authorization: `Bearer ${repo.token}`,
      "user-agent": "sluice-notification-controller",
      "x-github-api-version": "2022-11-28",
    },
    tls: options.tls,
    proxyUrl: options.proxyUrl,
    signal,
  });
  return res.body ? (JSON.parse(res.body) as unknown) : undefined;
}
