// completion fish and powershell: scripts built from the command tree (neither shell is on the test machines,
// so the scripts' tables are checked: every command path and its words).

import { describe, expect, it } from "vitest";
import { runCli } from "./support/cli-env.js";

describe("sluice completion fish|powershell", () => {
  it("fish: a path function and a case per command path listing its words", async () => {
    const r = await runCli(["completion", "fish"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("function __sluice_path\n");
    expect(r.stdout).toContain("complete -c sluice -f -a '(__sluice_words)'\n");
    expect(r.stdout).toMatch(/ {4}case 'get sources'\n {8}printf '%s\\n' 'git' 'helm' 'chart' 'oci' 'bucket' 'all'/);
    expect(r.stdout).toMatch(/ {4}case ''\n {8}printf '%s\\n' 'install' /);
    expect(r.stdout).toContain("'logs'");
  });

  it("powershell: a native argument completer over a table of command paths", async () => {
    const r = await runCli(["completion", "powershell"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Register-ArgumentCompleter -Native -CommandName 'sluice' -ScriptBlock {");
    expect(r.stdout).toMatch(/ {4}'get sources' = @\('git', 'helm', 'chart', 'oci', 'bucket', 'all'/);
    expect(r.stdout).toMatch(/ {4}'reconcile' = @\('source', 'kustomization', 'ks', 'helmrelease', 'hr'/);
  });

  it("an unknown shell names the supported ones", async () => {
    const r = await runCli(["completion", "tcsh"]);
    expect(r.stderr).toBe('✗ unsupported shell "tcsh": want bash, zsh, fish or powershell\n');
  });
});
