// Go's regexp syntax as `regexp.Compile` accepts it (RE2, syntax.Perl flags), for the interface
// regexes of CiliumL2AnnouncementPolicy. JavaScript's RegExp is not used: it accepts what RE2
// rejects (backreferences, lookaround, `\Z`) and reads some of what RE2 accepts differently
// (`\A`, `\z`, `\Q…\E`, `[[:alpha:]]`, inline `(?i)`, `\pL` without the u flag, ASCII-only `\s`).
// The parser follows regexp/syntax/parse.go's single left-to-right pass over a stack with `(` and
// `|` markers, so errors come in the same order with Go's text:
//   error parsing regexp: missing closing ]: `[eth`
// Matching is `MatchString`: unanchored, true if any substring matches, run as a Thompson NFA
// (linear in the input, no backtracking blow-up).

/** regexp/syntax ErrorCode strings. */
export const RE2_ERRORS = {
  invalidCharRange: 'invalid character class range',
  invalidEscape: 'invalid escape sequence',
  invalidNamedCapture: 'invalid named capture',
  invalidPerlOp: 'invalid or unsupported Perl syntax',
  invalidRepeatOp: 'invalid nested repetition operator',
  invalidRepeatSize: 'invalid repeat count',
  missingBracket: 'missing closing ]',
  missingParen: 'missing closing )',
  missingRepeatArgument: 'missing argument to repetition operator',
  trailingBackslash: 'trailing backslash at end of expression',
  unexpectedParen: 'unexpected )',
  nestingDepth: 'expression nests too deeply',
  large: 'expression too large',
} as const;

export type Re2ErrorCode = (typeof RE2_ERRORS)[keyof typeof RE2_ERRORS];

export class Re2Error extends Error {
  constructor(
    readonly code: Re2ErrorCode,
    readonly expr: string,
  ) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
    this.name = 'Re2Error';
  }
}

// ---- the parse tree --------------------------------------------------------------------------

type Pred = (cp: number) => boolean;
type AssertKind = 'bol' | 'eol' | 'bot' | 'eot' | 'wb' | 'nwb';

type Node =
  | { op: 'lit'; runes: number[]; fold: boolean }
  | { op: 'class'; pred: Pred }
  | { op: 'any'; nl: boolean }
  | { op: 'assert'; kind: AssertKind }
  | { op: 'empty' }
  | { op: 'nomatch' }
  | { op: 'capture'; sub: Node }
  | { op: 'star' | 'plus' | 'quest'; sub: Node }
  | { op: 'repeat'; min: number; max: number; sub: Node }
  | { op: 'concat' | 'alt'; subs: Node[] };

interface Flags {
  fold: boolean;
  /** `^`/`$` match at text start/end only (syntax.OneLine, on in Perl mode, cleared by (?m)). */
  oneLine: boolean;
  dotNL: boolean;
}

type Item = Node | { op: '('; flags: Flags; cap: boolean } | { op: '|' };

const isPseudo = (i: Item): i is { op: '('; flags: Flags; cap: boolean } | { op: '|' } => i.op === '(' || i.op === '|';

const MAX_REPEAT = 1000;
const MAX_HEIGHT = 1000;
/** regexp/syntax maxSize: 128 MiB of 40-byte instructions. */
const MAX_SIZE = Math.floor((128 << 20) / 40);
const MAX_RUNE = 0x10ffff;

// ---- character classes -----------------------------------------------------------------------

type Ranges = readonly (readonly [number, number])[];

const PERL_GROUPS: Record<string, { ranges: Ranges; negated: boolean }> = {
  '\\d': { ranges: [[0x30, 0x39]], negated: false },
  '\\D': { ranges: [[0x30, 0x39]], negated: true },
  '\\s': { ranges: [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]], negated: false },
  '\\S': { ranges: [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]], negated: true },
  '\\w': { ranges: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]], negated: false },
  '\\W': { ranges: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]], negated: true },
};

const POSIX_GROUPS: Record<string, Ranges> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};

const inRanges = (ranges: Ranges, cp: number): boolean => ranges.some(([lo, hi]) => cp >= lo && cp <= hi);

const hex = (cp: number) => `\\u{${cp.toString(16)}}`;

/**
 * A class member under (?i): Go adds every rune whose simple case folding orbit meets the set
 * (appendFoldedRange). JavaScript's `iu` flags canonicalise with the same simple case folding.
 */
function foldedRanges(ranges: Ranges): Pred {
  const re = new RegExp(`^[${ranges.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join('')}]$`, 'iu');
  return (cp) => re.test(String.fromCodePoint(cp));
}

function rangesPred(ranges: Ranges, fold: boolean): Pred {
  return fold ? foldedRanges(ranges) : (cp) => inRanges(ranges, cp);
}

/** Go's general categories (unicode.Categories keys) that JavaScript spells the same way. */
const CATEGORIES = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' '),
);

/** `\p{Name}`: Any, general categories and scripts (as the JavaScript engine knows them). */
function unicodeTable(name: string, fold: boolean): Pred | undefined {
  if (name === 'Any') return () => true;
  const flags = fold ? 'iu' : 'u';
  let source: string;
  if (CATEGORIES.has(name)) source = `\\p{gc=${name}}`;
  else if (/^[A-Z][A-Za-z_]*$/.test(name)) source = `\\p{Script=${name}}`;
  else return undefined;
  let re: RegExp;
  try {
    re = new RegExp(`^${source}$`, flags);
  } catch {
    return undefined;
  }
  // unicode.C is Cc|Cf|Co|Cs: unassigned code points are not "Other" in Go
  if (name === 'C') {
    const cn = /^\p{gc=Cn}$/u;
    return (cp) => {
      const ch = String.fromCodePoint(cp);
      return re.test(ch) && !cn.test(ch);
    };
  }
  return (cp) => re.test(String.fromCodePoint(cp));
}

const isWordChar = (cp: number | undefined) =>
  cp !== undefined && ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || cp === 0x5f || (cp >= 0x61 && cp <= 0x7a));

const isAlnum = (c: string | undefined) => c !== undefined && /^[0-9A-Za-z]$/.test(c);

function unhex(c: string | undefined): number {
  if (c === undefined) return -1;
  const v = Number.parseInt(c, 16);
  return /^[0-9A-Fa-f]$/.test(c) ? v : -1;
}

// ---- the parser --------------------------------------------------------------------------------

class Parser {
  private readonly stack: Item[] = [];
  private flags: Flags = { fold: false, oneLine: true, dotNL: false };
  private pos = 0;

  constructor(private readonly s: string) {}

  parse(): Node {
    const s = this.s;
    /** Where the previous token's repetition operator started, or -1. */
    let lastRepeat = -1;
    while (this.pos < s.length) {
      let repeatAt = -1;
      const c = s[this.pos]!;
      switch (c) {
        case '(':
          if (s[this.pos + 1] === '?') this.parsePerlFlags();
          else {
            this.stack.push({ op: '(', flags: { ...this.flags }, cap: true });
            this.pos++;
          }
          break;
        case '|':
          this.concat();
          if (!this.swapVerticalBar()) this.stack.push({ op: '|' });
          this.pos++;
          break;
        case ')':
          this.parseRightParen();
          this.pos++;
          break;
        case '^':
          this.push({ op: 'assert', kind: this.flags.oneLine ? 'bot' : 'bol' });
          this.pos++;
          break;
        case '$':
          this.push({ op: 'assert', kind: this.flags.oneLine ? 'eot' : 'eol' });
          this.pos++;
          break;
        case '.':
          this.push({ op: 'any', nl: this.flags.dotNL });
          this.pos++;
          break;
        case '[':
          this.parseClass();
          break;
        case '*':
        case '+':
        case '?': {
          const op = c === '*' ? 'star' : c === '+' ? 'plus' : 'quest';
          repeatAt = this.pos;
          this.pos = this.repeat(op, 0, 0, this.pos, this.pos + 1, lastRepeat);
          break;
        }
        case '{': {
          const r = this.parseRepeat(this.pos);
          if (!r) {
            // not a well-formed repeat: `{` is a literal
            this.literal(0x7b);
            this.pos++;
            break;
          }
          if (r.min < 0 || r.min > MAX_REPEAT || r.max > MAX_REPEAT || (r.max >= 0 && r.min > r.max)) {
            throw new Re2Error(RE2_ERRORS.invalidRepeatSize, s.slice(this.pos, r.end));
          }
          repeatAt = this.pos;
          this.pos = this.repeat('repeat', r.min, r.max, this.pos, r.end, lastRepeat);
          break;
        }
        case '\\':
          this.parseBackslash();
          break;
        default: {
          const cp = s.codePointAt(this.pos)!;
          this.literal(cp);
          this.pos += cp > 0xffff ? 2 : 1;
        }
      }
      lastRepeat = repeatAt;
    }
    this.concat();
    if (this.swapVerticalBar()) this.stack.pop();
    this.alternate();
    if (this.stack.length !== 1) throw new Re2Error(RE2_ERRORS.missingParen, s);
    const root = this.stack[0] as Node;
    if (height(root) > MAX_HEIGHT) throw new Re2Error(RE2_ERRORS.nestingDepth, s);
    if (size(root) > MAX_SIZE) throw new Re2Error(RE2_ERRORS.large, s);
    return root;
  }

  private push(n: Node): void {
    this.stack.push(n);
  }

  private literal(cp: number): void {
    this.push({ op: 'lit', runes: [cp], fold: this.flags.fold });
  }

  /** Applies a repetition to the top of the stack; returns the position after the operator. */
  private repeat(op: 'star' | 'plus' | 'quest' | 'repeat', min: number, max: number, before: number, after: number, lastRepeat: number): number {
    const s = this.s;
    if (s[after] === '?') after++; // non-greedy: the same language
    // Perl does not stack repetition operators: a** is an error, not a doubled star
    if (lastRepeat >= 0) throw new Re2Error(RE2_ERRORS.invalidRepeatOp, s.slice(lastRepeat, after));
    const top = this.stack[this.stack.length - 1];
    if (!top || isPseudo(top)) throw new Re2Error(RE2_ERRORS.missingRepeatArgument, s.slice(before, after));
    const node: Node = op === 'repeat' ? { op, min, max, sub: top } : { op, sub: top };
    this.stack[this.stack.length - 1] = node;
    if (op === 'repeat' && (min >= 2 || max >= 2) && height(node) > MAX_HEIGHT) throw new Re2Error(RE2_ERRORS.nestingDepth, s);
    if (op === 'repeat' && (min >= 2 || max >= 2) && !repeatIsValid(node, MAX_REPEAT)) {
      throw new Re2Error(RE2_ERRORS.invalidRepeatSize, s.slice(before, after));
    }
    return after;
  }

  /** `{min}`, `{min,}` (max -1) or `{min,max}` at `at`; min -1 when a number is too big; undefined if not a repeat. */
  private parseRepeat(at: number): { min: number; max: number; end: number } | undefined {
    const s = this.s;
    let i = at + 1;
    let tooBig = false;
    const int = (): number | undefined => {
      const start = i;
      if (!/[0-9]/.test(s[i] ?? '')) return undefined;
      if (s[i] === '0' && /[0-9]/.test(s[i + 1] ?? '')) return undefined; // no leading zeros
      while (/[0-9]/.test(s[i] ?? '')) i++;
      // regexp/syntax parseInt stops counting at 1e8 rather than overflow
      if (i - start > 9) tooBig = true;
      return Number(s.slice(start, i));
    };
    const min = int();
    if (min === undefined || i >= s.length) return undefined;
    let max: number;
    if (s[i] !== ',') max = min;
    else {
      i++;
      if (i >= s.length) return undefined;
      if (s[i] === '}') max = -1;
      else {
        const m = int();
        if (m === undefined) return undefined;
        max = m;
      }
    }
    if (s[i] !== '}') return undefined;
    return { min: tooBig ? -1 : min, max, end: i + 1 };
  }

  private parsePerlFlags(): void {
    const s = this.s;
    const start = this.pos;
    const t = s.slice(start);
    // named captures: (?P<name>re) and (?<name>re)
    const startsWithP = t.length > 4 && t[2] === 'P' && t[3] === '<';
    const startsWithName = t.length > 3 && t[2] === '<';
    if (startsWithP || startsWithName) {
      const end = t.indexOf('>');
      if (end < 0) throw new Re2Error(RE2_ERRORS.invalidNamedCapture, t);
      const name = t.slice(startsWithP ? 4 : 3, end);
      if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Re2Error(RE2_ERRORS.invalidNamedCapture, t.slice(0, end + 1));
      this.stack.push({ op: '(', flags: { ...this.flags }, cap: true });
      this.pos = start + end + 1;
      return;
    }
    // flags and/or a non-capturing group: (?i) (?i-m:re) (?:re)
    const flags = { ...this.flags };
    let sign = 1;
    let sawFlag = false;
    let i = start + 2;
    while (i < s.length) {
      const c = s[i++]!;
      if (c === 'i' || c === 'm' || c === 's' || c === 'U') {
        const on = sign > 0;
        if (c === 'i') flags.fold = on;
        else if (c === 'm') flags.oneLine = !on;
        else if (c === 's') flags.dotNL = on;
        // U (non-greedy by default) changes which match is preferred, not whether one exists
        sawFlag = true;
        continue;
      }
      if (c === '-') {
        if (sign < 0) break;
        sign = -1;
        sawFlag = false;
        continue;
      }
      if (c === ':' || c === ')') {
        if (sign < 0 && !sawFlag) break;
        if (c === ':') this.stack.push({ op: '(', flags: { ...this.flags }, cap: false });
        this.flags = flags;
        this.pos = i;
        return;
      }
      if (c >= '\ud800' && c <= '\udbff') i++; // a whole code point
      break;
    }
    throw new Re2Error(RE2_ERRORS.invalidPerlOp, s.slice(start, i));
  }

  private parseBackslash(): void {
    const s = this.s;
    const next = s[this.pos + 1];
    switch (next) {
      case 'A':
        this.push({ op: 'assert', kind: 'bot' });
        this.pos += 2;
        return;
      case 'b':
        this.push({ op: 'assert', kind: 'wb' });
        this.pos += 2;
        return;
      case 'B':
        this.push({ op: 'assert', kind: 'nwb' });
        this.pos += 2;
        return;
      case 'C': // any byte: not supported
        throw new Re2Error(RE2_ERRORS.invalidEscape, '\\C');
      case 'Q': {
        // \Q...\E: literal text up to \E or the end
        const end = s.indexOf('\\E', this.pos + 2);
        const lit = s.slice(this.pos + 2, end < 0 ? s.length : end);
        for (const ch of lit) this.literal(ch.codePointAt(0)!);
        this.pos = end < 0 ? s.length : end + 2;
        return;
      }
      case 'z':
        this.push({ op: 'assert', kind: 'eot' });
        this.pos += 2;
        return;
    }
    const uni = this.parseUnicodeClass(this.pos);
    if (uni) {
      this.push({ op: 'class', pred: uni.pred });
      this.pos = uni.end;
      return;
    }
    const perl = this.parsePerlClassEscape(this.pos);
    if (perl) {
      this.push({ op: 'class', pred: perl });
      this.pos += 2;
      return;
    }
    const esc = this.parseEscape(this.pos);
    this.literal(esc.cp);
    this.pos = esc.end;
  }

  private parsePerlClassEscape(at: number): Pred | undefined {
    const g = PERL_GROUPS[this.s.slice(at, at + 2)];
    if (!g) return undefined;
    const p = rangesPred(g.ranges, this.flags.fold);
    return g.negated ? (cp) => !p(cp) : p;
  }

  /** `\pN`, `\p{Name}`, `\P{Name}`, `\p{^Name}`; undefined when `at` is not `\p`/`\P`. */
  private parseUnicodeClass(at: number): { pred: Pred; end: number } | undefined {
    const s = this.s;
    if (s[at] !== '\\' || (s[at + 1] !== 'p' && s[at + 1] !== 'P')) return undefined;
    let sign = s[at + 1] === 'P' ? -1 : 1;
    const c = s.codePointAt(at + 2);
    if (c === undefined) throw new Re2Error(RE2_ERRORS.invalidCharRange, s.slice(at)); // `\p` with no name
    let name: string;
    let end: number;
    if (c !== 0x7b) {
      end = at + 2 + (c > 0xffff ? 2 : 1);
      name = s.slice(at + 2, end);
    } else {
      const close = s.indexOf('}', at);
      if (close < 0) throw new Re2Error(RE2_ERRORS.invalidCharRange, s.slice(at));
      end = close + 1;
      name = s.slice(at + 3, close);
    }
    if (name.startsWith('^')) {
      sign = -sign;
      name = name.slice(1);
    }
    const pred = unicodeTable(name, this.flags.fold);
    if (!pred) throw new Re2Error(RE2_ERRORS.invalidCharRange, s.slice(at, end));
    return { pred: sign > 0 ? pred : (cp) => !pred(cp), end };
  }

  /** A single-character escape at `at` (which holds the backslash). */
  private parseEscape(at: number): { cp: number; end: number } {
    const s = this.s;
    let i = at + 1;
    if (i >= s.length) throw new Re2Error(RE2_ERRORS.trailingBackslash, '');
    const c = s.codePointAt(i)!;
    i += c > 0xffff ? 2 : 1;
    const ch = String.fromCodePoint(c);
    const bad = () => new Re2Error(RE2_ERRORS.invalidEscape, s.slice(at, i));
    if (c < 0x80 && !isAlnum(ch)) return { cp: c, end: i }; // escaped punctuation is itself
    const octal = (d: string | undefined) => d !== undefined && d >= '0' && d <= '7';
    if ((ch >= '1' && ch <= '7' && octal(s[i])) || ch === '0') {
      // up to three octal digits; a single non-zero digit would be a backreference (unsupported)
      let r = c - 0x30;
      for (let k = 1; k < 3 && octal(s[i]); k++) r = r * 8 + (s.charCodeAt(i++) - 0x30);
      return { cp: r, end: i };
    }
    switch (ch) {
      case 'x': {
        if (i >= s.length) throw bad();
        if (s[i] === '{') {
          i++;
          let r = 0;
          let n = 0;
          for (;;) {
            if (i >= s.length) throw bad();
            const d = s[i++]!;
            if (d === '}') break;
            const v = unhex(d);
            if (v < 0) throw bad();
            r = r * 16 + v;
            if (r > MAX_RUNE) throw bad();
            n++;
          }
          if (n === 0) throw bad();
          return { cp: r, end: i };
        }
        const x = unhex(s[i++]);
        const y = unhex(s[i]);
        if (i < s.length) i++;
        if (x < 0 || y < 0) throw bad();
        return { cp: x * 16 + y, end: i };
      }
      case 'a':
        return { cp: 0x07, end: i };
      case 'f':
        return { cp: 0x0c, end: i };
      case 'n':
        return { cp: 0x0a, end: i };
      case 'r':
        return { cp: 0x0d, end: i };
      case 't':
        return { cp: 0x09, end: i };
      case 'v':
        return { cp: 0x0b, end: i };
    }
    throw bad();
  }

  private parseClass(): void {
    const s = this.s;
    const whole = s.slice(this.pos);
    let i = this.pos + 1;
    let negated = false;
    if (s[i] === '^') {
      negated = true;
      i++;
    }
    const fold = this.flags.fold;
    const members: Pred[] = [];
    const ranges: [number, number][] = [];
    let first = true; // `]` and `-` are literal as the first character
    while (i >= s.length || s[i] !== ']' || first) {
      first = false;
      // POSIX [:alnum:]
      if (s.startsWith('[:', i) && i + 2 < s.length) {
        const close = s.indexOf(':]', i + 2);
        if (close >= 0) {
          const name = s.slice(i, close + 2);
          const inner = name.slice(2, -2);
          const neg = inner.startsWith('^');
          const g = POSIX_GROUPS[neg ? inner.slice(1) : inner];
          if (!g) throw new Re2Error(RE2_ERRORS.invalidCharRange, name);
          const p = rangesPred(g, fold);
          members.push(neg ? (cp) => !p(cp) : p);
          i = close + 2;
          continue;
        }
      }
      const uni = this.parseUnicodeClass(i);
      if (uni) {
        members.push(uni.pred);
        i = uni.end;
        continue;
      }
      const perl = this.parsePerlClassEscape(i);
      if (perl) {
        members.push(perl);
        i += 2;
        continue;
      }
      const rangeStart = i;
      const lo = this.classChar(i, whole);
      i = lo.end;
      let hi = lo;
      // [a-] means a or -
      if (s[i] === '-' && i + 1 < s.length && s[i + 1] !== ']') {
        hi = this.classChar(i + 1, whole);
        if (hi.cp < lo.cp) throw new Re2Error(RE2_ERRORS.invalidCharRange, s.slice(rangeStart, hi.end));
        i = hi.end;
      }
      ranges.push([lo.cp, hi.cp]);
    }
    this.pos = i + 1;
    if (ranges.length > 0) members.push(rangesPred(ranges, fold));
    this.push({ op: 'class', pred: negated ? (cp) => !members.some((m) => m(cp)) : (cp) => members.some((m) => m(cp)) });
  }

  private classChar(at: number, wholeClass: string): { cp: number; end: number } {
    if (at >= this.s.length) throw new Re2Error(RE2_ERRORS.missingBracket, wholeClass);
    if (this.s[at] === '\\') return this.parseEscape(at);
    const cp = this.s.codePointAt(at)!;
    return { cp, end: at + (cp > 0xffff ? 2 : 1) };
  }

  private parseRightParen(): void {
    this.concat();
    if (this.swapVerticalBar()) this.stack.pop();
    this.alternate();
    const n = this.stack.length;
    if (n < 2) throw new Re2Error(RE2_ERRORS.unexpectedParen, this.s);
    const re1 = this.stack.pop() as Node;
    const re2 = this.stack.pop()!;
    if (re2.op !== '(') throw new Re2Error(RE2_ERRORS.unexpectedParen, this.s);
    this.flags = re2.flags; // flags in force at the group's start
    this.push(re2.cap ? { op: 'capture', sub: re1 } : re1);
  }

  /** If the top is an element above a `|` marker, swaps them (alternatives collect below the marker). */
  private swapVerticalBar(): boolean {
    const n = this.stack.length;
    if (n >= 2 && this.stack[n - 2]!.op === '|') {
      [this.stack[n - 2], this.stack[n - 1]] = [this.stack[n - 1]!, this.stack[n - 2]!];
      return true;
    }
    return false;
  }

  /** Replaces the run above the topmost marker with its concatenation. */
  private concat(): void {
    let i = this.stack.length;
    while (i > 0 && !isPseudo(this.stack[i - 1]!)) i--;
    const subs = this.stack.splice(i) as Node[];
    this.push(collapse(subs, 'concat'));
  }

  /** Replaces the run above the topmost `(` with its alternation. */
  private alternate(): void {
    let i = this.stack.length;
    while (i > 0 && !isPseudo(this.stack[i - 1]!)) i--;
    const subs = this.stack.splice(i) as Node[];
    this.push(subs.length === 0 ? { op: 'nomatch' } : collapse(subs, 'alt'));
  }
}

/** Flattens nested concatenations/alternations and merges adjacent literals, as Go's parser does. */
function collapse(subs: Node[], op: 'concat' | 'alt'): Node {
  if (subs.length === 0) return { op: 'empty' };
  if (subs.length === 1) return subs[0]!;
  const out: Node[] = [];
  for (const sub of subs.flatMap((x) => (x.op === op ? x.subs : [x]))) {
    const prev = out[out.length - 1];
    if (op === 'concat' && sub.op === 'lit' && prev?.op === 'lit' && prev.fold === sub.fold) {
      out[out.length - 1] = { op: 'lit', runes: [...prev.runes, ...sub.runes], fold: sub.fold };
    } else out.push(sub);
  }
  return out.length === 1 ? out[0]! : { op, subs: out };
}

/** No repetition may expand its innermost expression more than n times (regexp/syntax repeatIsValid). */
function repeatIsValid(re: Node, n: number): boolean {
  if (re.op === 'repeat') {
    let m = re.max;
    if (m === 0) return true;
    if (m < 0) m = re.min;
    if (m > n) return false;
    if (m > 0) n = Math.floor(n / m);
  }
  return children(re).every((sub) => repeatIsValid(sub, n));
}

function children(re: Node): Node[] {
  switch (re.op) {
    case 'capture':
    case 'star':
    case 'plus':
    case 'quest':
    case 'repeat':
      return [re.sub];
    case 'concat':
    case 'alt':
      return re.subs;
    default:
      return [];
  }
}

/** Tree height, computed without recursion (the tree may be deep). */
function height(root: Node): number {
  let max = 0;
  const todo: [Node, number][] = [[root, 1]];
  while (todo.length > 0) {
    const [n, h] = todo.pop()!;
    if (h > max) max = h;
    if (max > MAX_HEIGHT) return max;
    for (const c of children(n)) todo.push([c, h + 1]);
  }
  return max;
}

/** Compiled size in instructions, as regexp/syntax calcSize estimates it. */
function size(re: Node): number {
  let n: number;
  switch (re.op) {
    case 'lit':
      n = re.runes.length;
      break;
    case 'capture':
    case 'star':
      n = 2 + size(re.sub);
      break;
    case 'plus':
    case 'quest':
      n = 1 + size(re.sub);
      break;
    case 'concat':
      n = re.subs.reduce((a, x) => a + size(x), 0);
      break;
    case 'alt':
      n = re.subs.reduce((a, x) => a + size(x), 0) + re.subs.length - 1;
      break;
    case 'repeat': {
      const sub = size(re.sub);
      n = re.max === -1 ? (re.min === 0 ? 2 + sub : 1 + re.min * sub) : re.max * sub + (re.max - re.min);
      break;
    }
    default:
      n = 0;
  }
  return Math.max(1, n);
}

// ---- the NFA -----------------------------------------------------------------------------------

type Inst =
  | { op: 'char'; pred: Pred; out: number }
  | { op: 'split'; x: number; y: number }
  | { op: 'assert'; kind: AssertKind; out: number }
  | { op: 'nop'; out: number }
  | { op: 'match' }
  | { op: 'fail' };

/** A fragment: its entry and the instruction slots still to be pointed at what follows. */
interface Frag {
  start: number;
  holes: ((target: number) => void)[];
}

class Compiler {
  readonly prog: Inst[] = [];

  private emit(i: Inst): number {
    this.prog.push(i);
    return this.prog.length - 1;
  }

  private hole(pc: number, field: 'out' | 'x' | 'y'): (t: number) => void {
    return (t) => {
      (this.prog[pc] as Record<string, unknown>)[field] = t;
    };
  }

  private single(i: Inst, field: 'out'): Frag {
    const pc = this.emit(i);
    return { start: pc, holes: [this.hole(pc, field)] };
  }

  private nop(): Frag {
    return this.single({ op: 'nop', out: -1 }, 'out');
  }

  private seq(a: Frag, b: Frag): Frag {
    for (const h of a.holes) h(b.start);
    return { start: a.start, holes: b.holes };
  }

  compile(re: Node): Frag {
    switch (re.op) {
      case 'lit': {
        const fold = re.fold;
        const frags = re.runes.map((r) => {
          let pred: Pred = (cp) => cp === r;
          if (fold) {
            const lit = new RegExp(`^${hex(r)}$`, 'iu');
            pred = (cp) => lit.test(String.fromCodePoint(cp));
          }
          return this.single({ op: 'char', pred, out: -1 }, 'out');
        });
        return frags.reduce((a, b) => this.seq(a, b));
      }
      case 'class':
        return this.single({ op: 'char', pred: re.pred, out: -1 }, 'out');
      case 'any': {
        const nl = re.nl;
        return this.single({ op: 'char', pred: nl ? () => true : (cp) => cp !== 0x0a, out: -1 }, 'out');
      }
      case 'assert':
        return this.single({ op: 'assert', kind: re.kind, out: -1 }, 'out');
      case 'empty':
        return this.nop();
      case 'nomatch': {
        const pc = this.emit({ op: 'fail' });
        return { start: pc, holes: [] };
      }
      case 'capture':
        return this.compile(re.sub);
      case 'concat':
        return re.subs.map((s) => this.compile(s)).reduce((a, b) => this.seq(a, b));
      case 'alt': {
        const frags = re.subs.map((s) => this.compile(s));
        let acc = frags[frags.length - 1]!;
        for (let k = frags.length - 2; k >= 0; k--) {
          const pc = this.emit({ op: 'split', x: frags[k]!.start, y: acc.start });
          acc = { start: pc, holes: [...frags[k]!.holes, ...acc.holes] };
        }
        return acc;
      }
      case 'star': {
        const body = this.compile(re.sub);
        const pc = this.emit({ op: 'split', x: body.start, y: -1 });
        for (const h of body.holes) h(pc);
        return { start: pc, holes: [this.hole(pc, 'y')] };
      }
      case 'plus': {
        const body = this.compile(re.sub);
        const pc = this.emit({ op: 'split', x: body.start, y: -1 });
        for (const h of body.holes) h(pc);
        return { start: body.start, holes: [this.hole(pc, 'y')] };
      }
      case 'quest': {
        const body = this.compile(re.sub);
        const pc = this.emit({ op: 'split', x: body.start, y: -1 });
        return { start: pc, holes: [...body.holes, this.hole(pc, 'y')] };
      }
      case 'repeat': {
        // x{n,m} = n copies of x, then m-n optional ones (or x* when unbounded)
        let acc = this.nop();
        for (let k = 0; k < re.min; k++) acc = this.seq(acc, this.compile(re.sub));
        if (re.max === -1) return this.seq(acc, this.compile({ op: 'star', sub: re.sub }));
        for (let k = re.min; k < re.max; k++) acc = this.seq(acc, this.compile({ op: 'quest', sub: re.sub }));
        return acc;
      }
    }
  }
}

export class GoRegexp {
  private readonly prog: Inst[];
  private readonly start: number;
  private readonly mark: Int32Array;
  private generation = 0;

  private constructor(
    readonly source: string,
    root: Node,
  ) {
    const c = new Compiler();
    const frag = c.compile(root);
    const match = c.prog.push({ op: 'match' }) - 1;
    for (const h of frag.holes) h(match);
    this.prog = c.prog;
    this.start = frag.start;
    this.mark = new Int32Array(this.prog.length);
  }

  /** regexp.Compile: the compiled expression, or the parse error Go would return. */
  static compile(source: string): GoRegexp | Re2Error {
    try {
      return new GoRegexp(source, new Parser(source).parse());
    } catch (err) {
      if (err instanceof Re2Error) return err;
      throw err;
    }
  }

  /** regexp.MatchString: whether any substring of `text` matches. */
  matchString(text: string): boolean {
    const cps = Array.from(text, (ch) => ch.codePointAt(0)!);
    const n = cps.length;
    let clist: number[] = [];
    for (let i = 0; ; i++) {
      this.generation++;
      const next: number[] = [];
      // the previous step's survivors first, then a fresh start at this position (unanchored)
      for (const pc of clist) if (this.add(next, pc, cps, i)) return true;
      if (this.add(next, this.start, cps, i)) return true;
      if (i === n) return false;
      const c = cps[i]!;
      clist = [];
      for (const pc of next) {
        const inst = this.prog[pc]!;
        if (inst.op === 'char' && inst.pred(c)) clist.push(inst.out);
      }
    }
  }

  /** Follows empty transitions from pc at position i into `list`; true if the match state is reached. */
  private add(list: number[], pc: number, cps: number[], i: number): boolean {
    const todo = [pc];
    while (todo.length > 0) {
      const p = todo.pop()!;
      if (this.mark[p] === this.generation) continue;
      this.mark[p] = this.generation;
      const inst = this.prog[p]!;
      switch (inst.op) {
        case 'match':
          return true;
        case 'fail':
          break;
        case 'char':
          list.push(p);
          break;
        case 'nop':
          todo.push(inst.out);
          break;
        case 'split':
          todo.push(inst.y, inst.x);
          break;
        case 'assert':
          if (assertHolds(inst.kind, cps, i)) todo.push(inst.out);
          break;
      }
    }
    return false;
  }
}

function assertHolds(kind: AssertKind, cps: number[], i: number): boolean {
  const prev = i > 0 ? cps[i - 1] : undefined;
  const next = i < cps.length ? cps[i] : undefined;
  switch (kind) {
    case 'bot':
      return i === 0;
    case 'eot':
      return i === cps.length;
    case 'bol':
      return prev === undefined || prev === 0x0a;
    case 'eol':
      return next === undefined || next === 0x0a;
    case 'wb':
      return isWordChar(prev) !== isWordChar(next);
    case 'nwb':
      return isWordChar(prev) === isWordChar(next);
  }
}
