// Column-aligned tables like kubectl's and flux's printers, fitted to the terminal width: when a row is wider
// than the terminal, the last column (the message) is cut with an ellipsis. No fitting when not a terminal.

/** Formats rows under a header (none: `--no-header`); columns are separated by three spaces. */
export function formatTable(
  header: readonly string[] | undefined,
  rows: readonly (readonly string[])[],
  width?: number,
): string {
  const all = [...(header ? [header] : []), ...rows].map((r) => r.map((c) => c.replace(/\s*\n\s*/g, " ")));
  const columns = Math.max(0, ...all.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...all.map((r) => [...(r[i] ?? "")].length)));
  const lines = all.map((r) => {
    const cells = r.map((c, i) => (i === r.length - 1 ? c : c.padEnd((widths[i] ?? 0) + [...c].length - c.length)));
    let line = cells.join("   ").trimEnd();
    if (width !== undefined && width > 20 && [...line].length > width)
      line = `${[...line].slice(0, width - 1).join("")}…`;
    return line;
  });
  return `${lines.join("\n")}\n`;
}
