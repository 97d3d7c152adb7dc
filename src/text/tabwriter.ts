// Go's text/tabwriter (padchar ' ', no flags), which kubectl, cilium and cilium-dbg print their
// tables with. Cells end with a tab; text after a line's last tab is not part of a column and is
// not padded, while tab-terminated cells are padded even at the end of a line (trailing spaces).
// A column is aligned over a run of consecutive lines that have a cell in it (a "column block"),
// so a line without tabs ends every block. Widths count characters (runes), not UTF-16 units.
// Shared by the CLI and the agents' debug views; it imports nothing.

export interface TabwriterOptions {
  /** Minimal cell width including padding (kubectl 6, cilium 5). */
  minWidth: number;
  padding: number;
}

export const KUBECTL_TABS: TabwriterOptions = { minWidth: 6, padding: 3 };
export const CILIUM_TABS: TabwriterOptions = { minWidth: 5, padding: 3 };

function runes(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Formats tab-separated cells: an array of lines (result joined with newlines), or a text as
 * tabwriter.NewWriter(w, minWidth, 0, padding, ' ', 0) + Flush() would (a final newline kept).
 */
export function tabwrite(input: readonly string[] | string, opts: TabwriterOptions): string {
  if (typeof input === 'string') {
    const nl = input.endsWith('\n');
    return tabwrite((nl ? input.slice(0, -1) : input).split('\n'), opts) + (nl ? '\n' : '');
  }
  const lines = input;
  const cells = lines.map((l) => l.split('\t'));
  const widths: number[] = [];
  const out: string[] = new Array(lines.length);

  const write = (line0: number, line1: number) => {
    for (let i = line0; i < line1; i++) {
      const row = cells[i]!;
      let s = '';
      for (let j = 0; j < row.length; j++) {
        const c = row[j]!;
        s += j < widths.length && j < row.length - 1 ? c + ' '.repeat(Math.max(0, widths[j]! - runes(c))) : c;
      }
      out[i] = s;
    }
  };

  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let t = line0; t < line1; t++) {
      if (column >= cells[t]!.length - 1) continue;
      write(line0, t);
      line0 = t;
      let width = opts.minWidth;
      for (; t < line1; t++) {
        const row = cells[t]!;
        if (column >= row.length - 1) break;
        width = Math.max(width, runes(row[column]!) + opts.padding);
      }
      widths.push(width);
      format(line0, t);
      widths.pop();
      line0 = t;
    }
    write(line0, line1);
  };

  format(0, lines.length);
  return out.join('\n');
}

/** Convenience for row arrays: joins cells with tabs (`trailingTab` ends every line with one, as cilium does). */
export function table(rows: readonly (readonly string[])[], opts: TabwriterOptions, trailingTab = false): string {
  return tabwrite(
    rows.map((r) => r.join('\t') + (trailingTab ? '\t' : '')),
    opts,
  );
}
