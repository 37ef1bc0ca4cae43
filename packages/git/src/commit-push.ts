// Committing a work tree and pushing it, for the image-automation-controller: the commit author and
// message, `git push` of refspecs with push options, and the remote head of a branch (to tell a rejected
// push caused by someone else's commit). Credentials stay in the session's environment, never in argv.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { GitSession } from "./checkout.js";
import { parseLsRemote } from "./remote-refs.js";
import type { PreparedSigning } from "./signing.js";

/** Who a commit is by. */
export interface CommitAuthor {
  name: string;
  email: string;
}

/**
 * Stages every change of the work tree and commits it as `author` (also the committer) with `message`,
 * signed with `signing` when given.
 * Returns the new commit hash, or undefined when nothing changed (no commit is made).
 */
export async function commitAll(
  s: GitSession,
  author: CommitAuthor,
  message: string,
  signing?: PreparedSigning,
): Promise<string | undefined> {
  await s.git.run(s.dir, ["add", "--all", "--", "."], "unable to stage changes");
  const staged = await s.git.run(s.dir, ["diff", "--cached", "--name-only"], "unable to list staged changes");
  if (staged.trim() === "") return undefined;
  const file = join(s.dir, ".git", "SLUICE_COMMIT_MESSAGE");
  await writeFile(file, message.endsWith("\n") ? message : `${message}\n`);
  await s.git.run(
    s.dir,
    [
      "-c",
      `user.name=${author.name}`,
      "-c",
      `user.email=${author.email}`,
      ...(signing ? signing.configArgs : ["-c", "commit.gpgSign=false"]),
      "commit",
      ...(signing ? ["-S"] : []),
      "--no-verify",
      "--cleanup=verbatim",
      `--author=${author.name} <${author.email}>`,
      "--file",
      file,
    ],
    "unable to commit",
  );
  return (await s.git.run(s.dir, ["rev-parse", "HEAD"], "unable to read HEAD")).trim();
}

/** Pushes `refspecs` to the session's remote with `--push-option`s; throws GitError naming the URL. */
export async function pushRefspecs(
  s: GitSession,
  refspecs: readonly string[],
  options: Readonly<Record<string, string>> = {},
): Promise<void> {
  const args = ["push", "--porcelain"];
  for (const [k, v] of Object.entries(options)) args.push(`--push-option=${v === "" ? k : `${k}=${v}`}`);
  args.push("--", s.url.url, ...refspecs);
  await s.git.run(s.dir, args, `unable to push to '${s.url.url}'`);
}

/** The commit `refs/heads/<branch>` points at on the remote, or undefined when the branch doesn't exist. */
export async function remoteBranchHead(s: GitSession, branch: string): Promise<string | undefined> {
  const out = await s.git.run(
    s.dir,
    ["ls-remote", "--", s.url.url, `refs/heads/${branch}`],
    `unable to list references of '${s.url.url}'`,
  );
  return parseLsRemote(out).get(`refs/heads/${branch}`)?.hash;
}

/** Points local branch `branch` at HEAD and checks it out (`git checkout -B`). */
export async function switchToBranch(s: GitSession, branch: string): Promise<void> {
  await s.git.run(s.dir, ["checkout", "-B", branch, "--"], `unable to switch to branch '${branch}'`);
}
