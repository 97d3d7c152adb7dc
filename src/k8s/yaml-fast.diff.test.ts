// yaml-fast.ts against the yaml package: on random texts from a grammar of the block subset and of
// what lies around it, and on every YAML file of the labs and test data. Whenever the fast parser
// accepts a piece, the yaml package must read that piece as one document, without errors, to the
// same value with its root at the same offset.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { Rng } from '../controller/rng.ts';
import { yamlChunks } from './yaml-chunks.ts';
import { parseBlockDocument } from './yaml-fast.ts';
import { PARSE_OPTIONS } from './yaml-schema.ts';

/** Whether the fast parser accepted text[from, to); throws when it disagrees with the yaml package. */
function agrees(text: string, from: number, to: number): boolean {
  const fast = parseBlockDocument(text, from, to);
  if (!fast) return false;
  const piece = text.slice(from, to);
  const docs = parseAllDocuments(piece, PARSE_OPTIONS);
  const where = `in ${JSON.stringify(piece)}`;
  assert.ok(Array.isArray(docs) && docs.length === 1, `one document ${where}`);
  const doc = docs[0]!;
  assert.deepEqual(doc.errors, [], `no errors ${where}`);
  assert.deepStrictEqual(fast.value, doc.toJS(), `the same value ${where}`);
  assert.equal(fast.start, from + doc.contents!.range[0], `the root at the same offset ${where}`);
  return true;
}

/** Pieces of `text` as manifest.ts parses them, and how many of them the fast parser accepted. */
function check(text: string): { pieces: number; accepted: number } {
  const chunks = yamlChunks(text) ?? [[0, text.length] as const];
  return { pieces: chunks.length, accepted: chunks.filter(([from, to]) => agrees(text, from, to)).length };
}

const SIMPLE_KEYS = ['name', 'app', 'port', 'spec', 'labels', 'kind', 'items', 'value', 'a b', 'a:b', 'x#y', '-k', '"q: #k"', "'it''s'", '""'];
const TRICKY_KEYS = ['yes', 'no', 'on', 'y', 'n', 'Y', '1', '0x1', '1:20', '.5', '~', 'null', 'NULL', '<<', '"<<"', '__proto__', 'toString', '? q', '&a k', '*a', '!!str k', '{k: 1}', '[k]', 'k\t', 'k  '];
const SIMPLE_SCALARS = ['webpod', 'v1', 'Service', '80', '8080', 'TCP', 'a b', 'x:y', 'http://x:1/y', 'a#b', '-x', '--x', '---', '-1', '"a: b # c"', "'it''s: #'", '"true"', "'80'", '""', "''", '{}', '[]', 'é', 'a\u00a0b'];
const YAML11_SCALARS = ['yes', 'No', 'on', 'OFF', 'y', 'n', 'Y', 'N', '~', 'null', 'NULL', 'Null', 'nULL', 'true', 'False', 'TRUE', '0755', '0x1F', '0b101', '1:20', '-190:20:30.15', '1_000', '+1', '-0', '09', '0o17', '.inf', '-.Inf', '.nan', '1e3', '1.5', '.5', '1.', '2025-08-07T08:17:59Z', '2025-08-07'];
const TRICKY_SCALARS = ['"x\\"y"', '"t\\tx"', 'a: b', 'a #b', 'b:', '-', '?x', ':x', '@x', '%x', '`x`', '{a: 1}', '[1, 2]', '{ }', '[ ]', '{}x', '{]', '[}', '&a x', '*a', '!!str 1', '!x y', '"open', "'open", '"a"b', "'a'#c", 'a\u2028b', 'a\u0085b', 'a\tb', 'x\r', "'a\tb'", '"a\rb"', "'\u2028'", '"\u0085"', "'\ufeff'"];

/** Random YAML texts: block collections of scalars, and now and then what the fast parser must refuse. */
class Texts {
  constructor(private readonly rng: Rng) {}

  private chance(p: number): boolean {
    return this.rng.float() < p;
  }

  private key(): string {
    return this.rng.pick(this.chance(0.04) ? TRICKY_KEYS : SIMPLE_KEYS);
  }

  private scalar(): string {
    const r = this.rng.float();
    return this.rng.pick(r < 0.6 ? SIMPLE_SCALARS : r < 0.96 ? YAML11_SCALARS : TRICKY_SCALARS);
  }

  private comment(): string {
    return this.chance(0.15) ? this.rng.pick([' # c', '  #: x', ' #', '\t# tab']) : '';
  }

  /** A scalar at the end of a line, or one that goes on over the next lines, indented past `indent`. */
  private scalarLines(indent: number): string[] {
    const pad = ' '.repeat(indent + 2);
    if (this.chance(0.03)) return [`${this.rng.pick(['|', '>-', '|2'])}`, `${pad}text`, `${pad}more`];
    if (this.chance(0.02)) return [this.rng.pick(['plain', '"double', "'single"]), `${pad}${this.rng.pick(['more', "go'", 'on"'])}`];
    return [this.scalar() + this.comment()];
  }

  /** Lines of a mapping at column `indent`. */
  mapping(indent: number, depth: number): string[] {
    const pad = ' '.repeat(indent);
    const lines: string[] = [];
    for (let n = 1 + this.rng.int(4); n > 0; n--) {
      const head = `${pad}${this.key()}${this.rng.pick([':', ':', ':', ' :'])}`;
      const r = depth > 3 ? 0 : this.rng.float();
      if (r < 0.15) {
        lines.push(head + this.comment());
      } else if (r < 0.35) {
        lines.push(head + this.comment(), ...this.mapping(indent + 1 + this.rng.int(4), depth + 1));
      } else if (r < 0.5) {
        lines.push(head + this.comment(), ...this.sequence(indent + this.rng.int(4), depth + 1));
      } else {
        const [first, ...rest] = this.scalarLines(indent);
        lines.push(`${head}${this.rng.pick([' ', ' ', '  '])}${first}`, ...rest);
      }
    }
    return lines;
  }

  /** Lines of a sequence at column `indent`. */
  sequence(indent: number, depth: number): string[] {
    const pad = ' '.repeat(indent);
    const lines: string[] = [];
    const compact = (nested: string[], at: number) => [`${pad}-${' '.repeat(at - indent - 1)}${nested[0]!.slice(at)}`, ...nested.slice(1)];
    for (let n = 1 + this.rng.int(4); n > 0; n--) {
      const r = depth > 3 ? 0 : this.rng.float();
      if (r < 0.1) {
        lines.push(`${pad}-${this.comment()}`);
      } else if (r < 0.35) {
        const at = indent + 2 + (this.chance(0.2) ? 1 + this.rng.int(2) : 0);
        lines.push(...compact(this.mapping(at, depth + 1), at));
      } else if (r < 0.45) {
        lines.push(...compact(this.sequence(indent + 2, depth + 1), indent + 2));
      } else if (r < 0.55) {
        lines.push(`${pad}-${this.comment()}`, ...(this.chance(0.5) ? this.mapping : this.sequence).call(this, indent + 1 + this.rng.int(3), depth + 1));
      } else {
        const [first, ...rest] = this.scalarLines(indent);
        lines.push(`${pad}- ${first}`, ...rest);
      }
    }
    return lines;
  }

  /** A whole text: a document or two, blank and comment lines, and the odd tab, CR or bad indentation. */
  text(): string {
    const doc = () => (this.chance(0.85) ? this.mapping : this.sequence).call(this, this.chance(0.05) ? 2 : 0, 0);
    let lines = doc();
    if (this.chance(0.2)) lines.unshift(this.rng.pick(['---', '--- ', '--- # c', '--- x', '---\t']));
    if (this.chance(0.1)) lines.push(this.rng.pick(['---', '...', '--- # next', '... # end', '... x: 1', '%YAML 1.1']), ...doc());
    lines = lines.flatMap((line) => {
      const out = [line];
      if (this.chance(0.03)) out.unshift(`${' '.repeat(this.rng.int(6))}${this.rng.pick(['# comment', '#', '# a: b', ''])}`);
      if (this.chance(0.02)) out[out.length - 1] += ' '.repeat(1 + this.rng.int(3));
      if (this.chance(0.01)) out[out.length - 1] = ` ${line}`;
      if (this.chance(0.01)) out[out.length - 1] = line.replace(' ', '\t');
      return out;
    });
    if (this.chance(0.05) && lines.length > 1) lines.splice(this.rng.int(lines.length), 0, lines[this.rng.int(lines.length)]!);
    const eol = this.chance(0.03) ? '\r\n' : '\n';
    return (this.chance(0.02) ? '\ufeff' : '') + lines.join(eol) + (this.chance(0.9) ? eol : '');
  }
}

test('differential: random texts the fast parser accepts read the same with the yaml package', () => {
  const texts = new Texts(new Rng('yaml-fast'));
  let pieces = 0;
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    const r = check(texts.text());
    pieces += r.pieces;
    accepted += r.accepted;
  }
  // The grammar must exercise both sides: pieces taken, and pieces left to the yaml package.
  assert.ok(accepted > pieces * 0.2 && accepted < pieces * 0.8, `${accepted} of ${pieces} pieces accepted`);
});

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : yamlFiles(p);
    return /\.ya?ml$/.test(e.name) ? [p] : [];
  });
}

/** A piece with a node in it and nothing outside the block subset (on lines that are not comments). */
function isOrdinary(piece: string): boolean {
  const content = piece.split('\n').filter((line) => !/^\s*(#|$)/.test(line) && !/^---\s*(#.*)?$/.test(line));
  return content.length > 0 && !content.some((line) => /[[{|>&*!\t\r\\]/.test(line.replace(/\{\}|\[\]/g, '')));
}

test('differential: every YAML file of the labs and test data; the ordinary pieces are all accepted', () => {
  const root = new URL('../..', import.meta.url).pathname;
  const files = ['labs', 'src', 'test'].flatMap((d) => yamlFiles(join(root, d)));
  assert.ok(files.length > 30, `${files.length} files`);
  let ordinary = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const [from, to] of yamlChunks(text) ?? []) {
      const accepted = agrees(text, from, to);
      if (isOrdinary(text.slice(from, to))) {
        ordinary++;
        assert.ok(accepted, `accepted: ${file} at ${from}`);
      }
    }
  }
  assert.ok(ordinary > 50, `${ordinary} ordinary pieces`);
});
