// Go's text/tabwriter with padchar ' ' and no flags, which every cilium-dbg table uses. A cell is
// text terminated by a tab; the text after a line's last tab is not part of any column. Columns
// are aligned per block of consecutive lines that have a cell in that column, so a line without
// tabs ends every block (that is why `Services:` restarts the alignment in `cilium status`).
// Tab-terminated cells are padded even when they are the last on the line: trailing spaces.

export interface TabwriterOptions {
  minWidth: number;
  padding: number;
}

function textWidth(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Formats text exactly as tabwriter.NewWriter(w, minWidth, 0, padding, ' ', 0) then Flush(). */
export function tabwrite(text: string, opts: TabwriterOptions): string {
  const endsWithNewline = text.endsWith('\n');
  const rawLines = (endsWithNewline ? text.slice(0, -1) : text).split('\n');
  const lines = rawLines.map((l) => l.split('\t'));
  const widths: number[] = [];
  const out: string[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!;
      let s = '';
      for (let j = 0; j < cells.length; j++) {
        const c = cells[j]!;
        s += c;
        if (j < widths.length && j < cells.length - 1) s += ' '.repeat(Math.max(0, widths[j]! - textWidth(c)));
      }
      out.push(s);
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let t = line0; t < line1; t++) {
      if (column >= lines[t]!.length - 1) continue;
      writeLines(start, t);
      start = t;
      let width = opts.minWidth;
      for (; t < line1; t++) {
        const cells = lines[t]!;
        if (column >= cells.length - 1) break;
        const w = textWidth(cells[column]!) + opts.padding;
        if (w > width) width = w;
      }
      widths.push(width);
      format(start, t);
      widths.pop();
      start = t;
      t--;
    }
    writeLines(start, line1);
  };

  format(0, lines.length);
  return out.join('\n') + (endsWithNewline ? '\n' : '');
}
