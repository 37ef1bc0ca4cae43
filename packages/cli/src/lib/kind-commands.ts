// Builds the per-kind sub-commands flux's verbs share: `<verb> source git|helm|chart|oci|bucket <name>` and
// `<verb> kustomization|helmrelease <name>`.

import type { Command } from "commander";
import { APPLIER_KINDS, type CliKind, SOURCE_KINDS } from "../kinds.js";

/** Adds `<verb> source <kind> <args>` and `<verb> <kind> <args>` to `verb`; `configure` adds options and the action. */
export function addKindCommands(
  verb: Command,
  args: string,
  describe: (kind: CliKind) => string,
  configure: (cmd: Command, kind: CliKind) => void,
): void {
  const source = verb.command("source").description(`${verb.description()} of sources`);
  for (const kind of SOURCE_KINDS) {
    configure(source.command(`${kind.name} ${args}`).description(describe(kind)), kind);
  }
  for (const kind of APPLIER_KINDS) {
    const cmd = verb.command(`${kind.name} ${args}`).description(describe(kind));
    cmd.alias(kind === APPLIER_KINDS[0] ? "ks" : "hr");
    configure(cmd, kind);
  }
}
