// `sluice completion bash|zsh`: shell completion scripts generated from the command tree (sub-commands and
// flags at every level; kinds and names are not looked up in the cluster).

import type { Command } from "commander";
import type { CommandKit } from "../command-kit.js";
import { CliError } from "../errors.js";
import { fishScript, powershellScript } from "./completion-shells.js";

/** Registers `sluice completion <shell>`. */
export function registerCompletion(program: Command, kit: CommandKit): void {
  program
    .command("completion <shell>")
    .description(
      "Print a shell completion script: bash, zsh, fish or powershell (e.g. source <(sluice completion bash), sluice completion fish | source)",
    )
    .action(
      kit.action(async (ctx, _opts, args) => {
        const table = completionTable(program);
        if (args[0] === "bash") ctx.io.stdout.write(bashScript(table));
        else if (args[0] === "zsh")
          ctx.io.stdout.write(`#compdef sluice\nautoload -U +X bashcompinit && bashcompinit\n${bashScript(table)}`);
        else if (args[0] === "fish") ctx.io.stdout.write(fishScript(table));
        else if (args[0] === "powershell") ctx.io.stdout.write(powershellScript(table));
        else throw new CliError(`unsupported shell "${args[0]}": want bash, zsh, fish or powershell`);
      }),
    );
}

/** `"get sources" → words` for every command path (root is ""). */
export function completionTable(program: Command): Map<string, string[]> {
  const table = new Map<string, string[]>();
  const global = program.options.map((o) => o.long).filter((l): l is string => !!l);
  const walk = (cmd: Command, path: string[]) => {
    const words = [
      ...cmd.commands.flatMap((c) => [c.name(), ...c.aliases()]).filter((n) => n !== "help"),
      ...cmd.options.map((o) => o.long).filter((l): l is string => !!l),
      ...global,
    ];
    table.set(path.join(" "), [...new Set(words)]);
    for (const sub of cmd.commands) {
      for (const name of [sub.name(), ...sub.aliases()]) walk(sub, [...path, name]);
    }
  };
  walk(program, []);
  return table;
}

function bashScript(table: Map<string, string[]>): string {
  const cases = [...table.entries()].map(([path, words]) => `    "${path}") words="${words.join(" ")}" ;;`).join("\n");
  return `# bash completion for sluice
_sluice() {
  local cur path i w words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) continue ;; esac
    if [ -z "$path" ]; then candidate="$w"; else candidate="$path $w"; fi
    case "$candidate" in
${[...table.keys()]
  .filter((k) => k !== "")
  .map((k) => `      "${k}") path="$candidate" ;;`)
  .join("\n")}
    esac
  done
  case "$path" in
${cases}
    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _sluice sluice
`;
}
