// Go's text/tabwriter, which both kubectl and cilium print their tables with. Cells end with a
// tab; text after a line's last tab is not part of a column and is not padded. A column is
// aligned over a run of consecutive lines that have a cell in it (a "column block").

export interface TabwriterOptions {
  /** Minimal cell width including padding (kubectl 6, cilium 5). */
  minWidth: number;
  padding: number;
}

export const KUBECTL_TABS: TabwriterOptions = { minWidth: 6, padding: 3 };
export const CILIUM_TABS: TabwriterOptions = { minWidth: 5, padding: 3 };

/** Formats lines of tab-separated cells. */
export function tabwrite(lines: readonly string[], opts: TabwriterOptions): string {
  const cells = lines.map((l) => l.split('\t'));
  const widths: number[] = [];
  const out: string[] = new Array(lines.length);

  const write = (line0: number, line1: number) => {
    for (let i = line0; i < line1; i++) {
      const row = cells[i]!;
      let s = '';
      for (let j = 0; j < row.length; j++) {
        const c = row[j]!;
        s += j < widths.length && j < row.length - 1 ? c.padEnd(widths[j]!) : c;
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
        width = Math.max(width, row[column]!.length + opts.padding);
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
