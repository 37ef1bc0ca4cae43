// fish and PowerShell completion scripts from the same command table as bash's: the words (sub-commands,
// aliases, flags) that may follow each command path.

/** Quotes for a fish single-quoted string. */
function fishQuote(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** `sluice completion fish`: load with `sluice completion fish | source`. */
export function fishScript(table: Map<string, string[]>): string {
  const paths = [...table.keys()].filter((k) => k !== "");
  const cases = [...table.entries()]
    .map(([path, words]) => `    case ${fishQuote(path)}\n        printf '%s\\n' ${words.map(fishQuote).join(" ")}`)
    .join("\n");
  return `# fish completion for sluice
function __sluice_path
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l path ''
    set -l known ${paths.map(fishQuote).join(" ")}
    for t in $tokens
        if string match -q -- '-*' $t
            continue
        end
        set -l candidate $t
        if test -n "$path"
            set candidate "$path $t"
        end
        if contains -- $candidate $known
            set path $candidate
        end
    end
    echo $path
end

function __sluice_words
    switch (__sluice_path)
${cases}
    end
end

complete -c sluice -f -a '(__sluice_words)'
`;
}

/** Quotes for a PowerShell single-quoted string. */
function psQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** `sluice completion powershell`: load with `sluice completion powershell | Out-String | Invoke-Expression`. */
export function powershellScript(table: Map<string, string[]>): string {
  const entries = [...table.entries()]
    .map(([path, words]) => `    ${psQuote(path)} = @(${words.map(psQuote).join(", ")})`)
    .join("\n");
  return `# powershell completion for sluice
$__sluiceWords = @{
${entries}
}

Register-ArgumentCompleter -Native -CommandName 'sluice' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $path = ''
    $elements = $commandAst.CommandElements | Select-Object -Skip 1
    foreach ($element in $elements) {
        $text = $element.ToString()
        if ($element.Extent.StartOffset -ge $cursorPosition -or $text -eq $wordToComplete) { break }
        if ($text.StartsWith('-')) { continue }
        $candidate = if ($path -eq '') { $text } else { "$path $text" }
        if ($__sluiceWords.ContainsKey($candidate)) { $path = $candidate }
    }
    $__sluiceWords[$path] | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object {
        [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
    }
}
`;
}
