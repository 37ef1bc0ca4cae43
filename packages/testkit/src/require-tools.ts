// Tools an integration suite needs (git, helm, kubectl, sshd, docker-registry, …): a suite whose tool is
// missing FAILS in CI (CI=true) and is skipped with a printed reason only when run elsewhere. Never a silent
// skip: a test that cannot run must not pass.

import { existsSync } from "node:fs";
import { resolveTool } from "@sluice/runtime";
import { DOCKER_REGISTRY_PATH } from "./oci-registry.js";
import { SSHD_PATH } from "./sshd.js";

/** Tools found at a fixed path (Debian packages) rather than on PATH. */
const FIXED_PATHS: Record<string, string> = {
  "docker-registry": DOCKER_REGISTRY_PATH,
  sshd: SSHD_PATH,
};

/** Where a tool is installed from (how the message tells to fix it). */
const INSTALL_HINT = "install it (scripts/setup.sh does)";

/** Whether the tests run in CI: `CI=true` (or `1`), as CI systems set it. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env["CI"] ?? "").toLowerCase();
  return value === "true" || value === "1";
}

/** The tools of `tools` that cannot be found, each with why. */
export function missingTools(tools: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const missing: string[] = [];
  for (const tool of tools) {
    const fixed = FIXED_PATHS[tool];
    if (fixed !== undefined) {
      if (!existsSync(fixed)) missing.push(`${tool} (${fixed} does not exist)`);
      continue;
    }
    try {
      resolveTool(tool, { env });
    } catch {
      missing.push(`${tool} (not found on PATH)`);
    }
  }
  return missing;
}

/** The outcome of {@link requireTools}: pass `skip` to `describe.skipIf`. */
export interface ToolCheck {
  /** Some tool is missing and the suite runs outside CI: skip it (the reason was printed). */
  skip: boolean;
  /** Why the suite is skipped, when it is. */
  reason?: string | undefined;
}

/**
 * Checks that every tool the calling suite needs is installed. Missing in CI (CI=true): throws, so the test
 * file fails naming the tools. Missing elsewhere: prints `skipping: <tools> missing` to stderr and returns
 * `{ skip: true }` for `describe.skipIf(...)`.
 */
export function requireTools(...tools: string[]): ToolCheck {
  const missing = missingTools(tools);
  if (missing.length === 0) return { skip: false };
  const reason = `required tools missing: ${missing.join(", ")}; ${INSTALL_HINT}`;
  if (inCi()) throw new Error(`${reason} (CI=true: a suite needing them fails instead of skipping)`);
  process.stderr.write(`skipping test suite: ${reason}\n`);
  return { skip: true, reason };
}
