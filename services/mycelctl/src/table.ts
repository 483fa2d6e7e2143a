/** Spaces between table columns (kubectl's layout). */
const GAP = '   ';

/**
 * A plain-text table: a header row and one row per item, each column padded to its widest cell and
 * separated by three spaces, no trailing spaces, every line ending with a newline. Line breaks and
 * tabs inside cells become spaces so a row stays one line.
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const clean = (cell: string): string => cell.replace(/[\r\n\t]+/g, ' ');
  const all = [headers.map(clean), ...rows.map((r) => headers.map((_, i) => clean(r[i] ?? '')))];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] as string).length)));
  return all.map((r) => r.map((cell, i) => cell.padEnd(widths[i] as number)).join(GAP).trimEnd()).join('\n') + '\n';
}
