// Where a YAML stream can be cut into pieces that parse on their own: before every line that
// starts with a `---` marker. The yaml lexer ends whatever is open at such a line (a block or
// plain scalar ends there; an open quote or flow collection is an error there) and starts a new
// document, so a piece parses to exactly the documents it holds in the whole stream. Directives
// (`%YAML`, `%TAG`) carry state from one document to the next, so a stream with any is not cut.

/** [start, end) offsets of a piece of a text. */
export type Range = readonly [number, number];

/** The yaml lexer's isEmpty: what may follow `---` for it to be a marker. */
function endsMarker(ch: string | undefined): boolean {
  return ch === undefined || ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t';
}

/**
 * The pieces of a YAML stream, in order and covering all of it, each starting at a `---` line
 * (but the first); undefined when a line starts with `%` (after a byte order mark or not), which
 * may be a directive.
 */
export function yamlChunks(text: string): Range[] | undefined {
  const out: Range[] = [];
  let start = 0;
  // at: the start of each line (the yaml lexer breaks lines at \n only)
  for (let at = 0; at < text.length; ) {
    const c = text.charCodeAt(at);
    if (c === 37 /* % */ || (c === 0xfeff && text.charCodeAt(at + 1) === 37)) return undefined;
    if (c === 45 /* - */ && at > start && text.startsWith('---', at) && endsMarker(text[at + 3])) {
      out.push([start, at]);
      start = at;
    }
    const nl = text.indexOf('\n', at);
    if (nl < 0) break;
    at = nl + 1;
  }
  out.push([start, text.length]);
  return out;
}
