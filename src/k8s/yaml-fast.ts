// A parser for the block YAML that manifests are mostly written in: block mappings and sequences
// of one-line scalars. For a piece of a stream (yaml-chunks.ts) it gives exactly what the yaml
// package gives (one document, `toJS()` under PARSE_OPTIONS) at a fraction of its cost, or nothing
// when the piece holds anything else (flow collections but `{}` and `[]`, anchors, aliases, tags,
// block scalars, multi-line scalars, escapes, tabs and control characters outside quotes, odd
// indentation, duplicate or non-string keys, no document, ...): the yaml package then parses it
// and reports what is wrong. It never reports anything itself.

import { isStringKey, resolvePlain, UNRESOLVED } from './yaml-schema.ts';

export interface FastDocument {
  value: unknown;
  /** Offset of the root node in the text. */
  start: number;
}

const SPACE = 0x20;
const NL = 0x0a;
const HASH = 0x23;
const COLON = 0x3a;
const DASH = 0x2d;
const SQUOTE = 0x27;
const DQUOTE = 0x22;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** A document start marker line without a node on it (YAML 1.2 §9.1.4). */
const MARKER_LINE = /^---(?: +(?:#.*)?)?\n?$/;

/** Deeper than this, a manifest is not what this parser is for. */
const MAX_DEPTH = 64;
/** The yaml package refuses implicit keys over 1024 characters (YAML 1.2 §7.4.2). */
const MAX_KEY_LENGTH = 1000;

/** Indicators that cannot start a plain scalar (YAML 1.2 §5.3, §7.3.3); `-` may when a non-space follows. */
const NOT_PLAIN_START = new Set(Array.from('-?:,[]{}#&*!|>\'"%@`', (c) => c.charCodeAt(0)));

/** Control characters, C1 and YAML 1.1 line breaks (NEL, LS, PS), a byte order mark: left to the yaml package. */
function isOdd(c: number): boolean {
  return c < SPACE || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || c === 0xfeff;
}

/** What an empty node resolves to (YAML 1.2 §7.2: a null). */
const EMPTY = resolvePlain('');

class Bail {}
const BAIL = new Bail();
function bail(): never {
  throw BAIL;
}

/** Reads one document line by line; `col` is where the next node starts on the current line. */
class BlockReader {
  private line = 0;
  private eol = 0;
  private col = 0;
  private done = false;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly to: number,
  ) {}

  document(from: number): FastDocument {
    this.nextContent(this.afterMarker(from));
    if (this.done) bail();
    const start = this.col;
    const value = this.block(start - this.line);
    if (!this.done) bail();
    return { value, start };
  }

  /** Past a leading `---` line, which may carry a comment but no node. */
  private afterMarker(from: number): number {
    if (!this.text.startsWith('---', from)) return from;
    const next = this.lineAfter(from);
    if (!MARKER_LINE.test(this.text.slice(from, Math.min(next, this.to)))) bail();
    return next;
  }

  /** Offset of the line after the one holding `p` (past `to` at the end). */
  private lineAfter(p: number): number {
    const nl = this.text.indexOf('\n', p);
    return nl < 0 ? this.to : nl + 1;
  }

  /** Moves to the next line with a node on it, past blank and comment lines; `done` when none is left. */
  private nextContent(from: number): void {
    const { text, to } = this;
    for (let p = from; p < to; ) {
      let q = p;
      while (q < to && text.charCodeAt(q) === SPACE) q++;
      if (q >= to) break;
      const c = text.charCodeAt(q);
      if (c === NL) {
        p = q + 1;
        continue;
      }
      if (c === HASH) {
        p = this.lineAfter(q);
        continue;
      }
      // Document markers at column 0 (YAML 1.2 §9.1.4); a piece only starts with one.
      if (q === p && (text.startsWith('---', q) || text.startsWith('...', q))) bail();
      const nl = text.indexOf('\n', q);
      this.line = p;
      this.col = q;
      this.eol = nl < 0 || nl >= to ? to : nl;
      return;
    }
    this.done = true;
  }

  private indent(): number {
    return this.col - this.line;
  }

  /** A `-` entry indicator at `col` (YAML 1.2 §8.2.1): followed by a space or the end of the line. */
  private atDash(): boolean {
    const { col } = this;
    return this.text.charCodeAt(col) === DASH && (col + 1 === this.eol || this.text.charCodeAt(col + 1) === SPACE);
  }

  /** A block collection starting at `col`, in column `column`. */
  private block(column: number): unknown {
    if (++this.depth > MAX_DEPTH) bail();
    const value = this.atDash() ? this.sequence(column) : this.mapping(column);
    this.depth--;
    return value;
  }

  private mapping(column: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    for (;;) {
      const key = this.key();
      if (Object.hasOwn(map, key)) bail(); // the yaml package reports it
      const value = this.valueOf(column);
      // As toJS adds a pair: `__proto__` and other inherited names become own properties.
      if (key in map) Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
      else map[key] = value;
      if (this.done || this.indent() < column) return map;
      if (this.indent() > column) bail(); // a scalar going on, or odd indentation; `- ` at `column` fails as a key
    }
  }

  private sequence(column: number): unknown[] {
    const seq: unknown[] = [];
    for (;;) {
      this.col++; // past `-`
      seq.push(this.item(column));
      if (this.done || this.indent() < column) return seq;
      if (this.indent() > column) bail();
      if (!this.atDash()) return seq; // a sequence at its key's column ends; the mapping goes on
    }
  }

  /** The value after a key's `:` in a mapping at `column`. */
  private valueOf(column: number): unknown {
    if (this.skipSpaces()) {
      this.nextContent(this.eol + 1);
      if (this.done) return EMPTY;
      if (this.indent() > column) return this.block(this.indent());
      // A sequence may sit at its key's column (YAML 1.2 §8.2.1, [201] seq-space).
      if (this.indent() === column && this.atDash()) return this.block(column);
      return EMPTY;
    }
    return this.endsLine(this.scalar());
  }

  /** A sequence item after its `-`, the sequence at `column`. */
  private item(column: number): unknown {
    if (this.skipSpaces()) {
      this.nextContent(this.eol + 1);
      if (!this.done && this.indent() > column) return this.block(this.indent());
      return EMPTY;
    }
    // Compact nested collections start on the item's line (YAML 1.2 §8.2.1, [185]).
    const start = this.col;
    if (this.atDash()) return this.block(start - this.line);
    const value = this.scalar();
    if (this.atKeyIndicator()) {
      this.col = start;
      return this.block(start - this.line);
    }
    return this.endsLine(value);
  }

  /** Past spaces; true when nothing but a comment is left on the line. */
  private skipSpaces(): boolean {
    const { text, eol } = this;
    let p = this.col;
    while (p < eol && text.charCodeAt(p) === SPACE) p++;
    const rest = p === eol || (text.charCodeAt(p) === HASH && p > this.col);
    this.col = p;
    return rest;
  }

  /** `value`, a scalar just read, when nothing but a comment follows it on its line. */
  private endsLine(value: unknown): unknown {
    if (!this.skipSpaces()) bail();
    this.nextContent(this.eol + 1);
    return value;
  }

  /** At `:` followed by a space or the end of the line, past spaces; moves past it. */
  private atKeyIndicator(): boolean {
    const { text, eol } = this;
    let p = this.col;
    while (p < eol && text.charCodeAt(p) === SPACE) p++;
    if (p >= eol || text.charCodeAt(p) !== COLON || (p + 1 < eol && text.charCodeAt(p + 1) !== SPACE)) return false;
    this.col = p + 1;
    return true;
  }

  /** A mapping key and its `:`. */
  private key(): string {
    const start = this.col;
    const c = this.text.charCodeAt(start);
    let key: string;
    if (c === SQUOTE) key = this.singleQuoted();
    else if (c === DQUOTE) key = this.doubleQuoted();
    else if (!isStringKey((key = this.plain()))) bail();
    if (this.col - start > MAX_KEY_LENGTH || !this.atKeyIndicator()) bail();
    return key;
  }

  /** A scalar on one line, or `{}` / `[]`. */
  private scalar(): unknown {
    const { text, col } = this;
    const c = text.charCodeAt(col);
    if (c === SQUOTE) return this.singleQuoted();
    if (c === DQUOTE) return this.doubleQuoted();
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (text.charCodeAt(col + 1) !== (c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET)) bail();
      this.col += 2;
      return c === OPEN_BRACE ? {} : [];
    }
    const value = resolvePlain(this.plain());
    if (value === UNRESOLVED) bail();
    return value;
  }

  /**
   * A plain scalar's text, up to the end of the line, a ` #` comment or a `: ` (YAML 1.2 §7.3.3);
   * `col` ends up past its last non-space.
   */
  private plain(): string {
    const { text, eol } = this;
    const start = this.col;
    const first = text.charCodeAt(start);
    if (NOT_PLAIN_START.has(first) && (first !== DASH || start + 1 === eol || text.charCodeAt(start + 1) === SPACE)) bail();
    let end = start;
    for (let p = start; p < eol; p++) {
      const c = text.charCodeAt(p);
      if (c === SPACE) continue;
      if (c === HASH && text.charCodeAt(p - 1) === SPACE) break;
      if (c === COLON && (p + 1 === eol || text.charCodeAt(p + 1) === SPACE)) break;
      if (isOdd(c)) bail();
      end = p + 1;
    }
    this.col = end;
    return text.slice(start, end);
  }

  /** A single-quoted scalar on one line, `''` standing for `'` (YAML 1.2 §7.3.2); taken as it reads, like the yaml package. */
  private singleQuoted(): string {
    const { text, eol } = this;
    let out = '';
    for (let from = this.col + 1; ; ) {
      const quote = this.closingQuote(SQUOTE, from);
      out += text.slice(from, quote);
      if (quote + 1 === eol || text.charCodeAt(quote + 1) !== SQUOTE) {
        this.col = quote + 1;
        return out;
      }
      out += "'";
      from = quote + 2;
    }
  }

  /** A double-quoted scalar on one line without escapes (YAML 1.2 §7.3.1). */
  private doubleQuoted(): string {
    const from = this.col + 1;
    const quote = this.closingQuote(DQUOTE, from);
    const value = this.text.slice(from, quote);
    if (value.includes('\\')) bail();
    this.col = quote + 1;
    return value;
  }

  /** The next `quote` on this line, from `from`. */
  private closingQuote(quote: number, from: number): number {
    const { text, eol } = this;
    for (let p = from; p < eol; p++) if (text.charCodeAt(p) === quote) return p;
    return bail(); // the scalar goes on over the next line
  }
}

/**
 * The one document in text[from, to) (a piece of a stream: see yaml-chunks.ts), with its root
 * node's offset, when it is in the block subset this reads; undefined for anything else.
 */
export function parseBlockDocument(text: string, from: number, to: number): FastDocument | undefined {
  try {
    return new BlockReader(text, to).document(from);
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  }
}
