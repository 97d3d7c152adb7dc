import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { GoRegexp, Re2Error } from './re2.ts';

function re(src: string): GoRegexp {
  const r = GoRegexp.compile(src);
  if (r instanceof Re2Error) throw r;
  return r;
}

function err(src: string): string {
  const r = GoRegexp.compile(src);
  assert.ok(r instanceof Re2Error, `${src} should not compile`);
  return r.message;
}

test('interface regexes are unanchored, like regexp.MatchString', () => {
  assert.equal(re('eth').matchString('veth0'), true);
  assert.equal(re('eth').matchString('eth1'), true);
  assert.equal(re('^eth[1-9]+').matchString('eth1'), true);
  assert.equal(re('^eth[1-9]+').matchString('eth10'), true);
  assert.equal(re('^eth[1-9]+').matchString('eth0'), false);
  assert.equal(re('^eth[1-9]+').matchString('veth1'), false);
  assert.equal(re('^eth[0-9]+$').matchString('eth0.100'), false);
  assert.equal(re('eth1').matchString('eth10'), true); // a plain name matches longer names too
  assert.equal(re('^eth1$').matchString('eth10'), false);
  assert.equal(re('').matchString('anything'), true);
  assert.equal(re('').matchString(''), true);
});

test('Perl flags and escapes Go accepts but JavaScript reads differently', () => {
  assert.equal(re('(?i)^ETH0$').matchString('eth0'), true);
  assert.equal(re('(?i:E)th0').matchString('eth0'), true);
  assert.equal(re('(?i:E)TH0').matchString('eth0'), false); // the flag ends with the group
  assert.equal(re('(?i)e(?-i)TH').matchString('ETH'), true);
  assert.equal(re('(?i)e(?-i)TH').matchString('Eth'), false);
  assert.equal(re('\\Aeth0\\z').matchString('eth0'), true);
  assert.equal(re('\\Aeth0\\z').matchString('xeth0'), false);
  assert.equal(re('\\Qeth.\\E1').matchString('eth.1'), true);
  assert.equal(re('\\Qeth.\\E1').matchString('ethx1'), false);
  assert.equal(re('\\Qeth.').matchString('eth.'), true); // \Q without \E runs to the end
  assert.equal(re('^[[:alpha:]]+[[:digit:]]$').matchString('ens3'), true);
  assert.equal(re('^[[:^digit:]]+$').matchString('lo'), true);
  assert.equal(re('^[[:^digit:]]+$').matchString('lo0'), false);
  assert.equal(re('^\\w+$').matchString('br_ex'), true);
  assert.equal(re('\\d').matchString('٣'), false); // \d is ASCII in Go
  assert.equal(re('\\s').matchString('\u00a0'), false); // so is \s
  assert.equal(re('\\x65th').matchString('eth'), true);
  assert.equal(re('\\x{65}th').matchString('eth'), true);
  assert.equal(re('\\145th').matchString('eth'), true); // octal
  assert.equal(re('(?P<dev>eth)[0-9]').matchString('eth0'), true);
  assert.equal(re('(?<dev>eth)[0-9]').matchString('eth0'), true);
  assert.equal(re('\\beth\\b').matchString('eth'), true);
  assert.equal(re('\\beth\\b').matchString('veth'), false);
  assert.equal(re('^\\pL+$').matchString('eth'), true);
  assert.equal(re('^\\p{Greek}+$').matchString('αβ'), true);
  assert.equal(re('^\\P{Greek}+$').matchString('αβ'), false);
  assert.equal(re('a{,2}').matchString('a{,2}'), true); // not a repeat: `{` is literal
  assert.equal(re('^x{2,3}$').matchString('xxx'), true);
  assert.equal(re('^x{2,3}$').matchString('xxxx'), false);
  assert.equal(re('^x{2,}$').matchString('xxxx'), true);
  assert.equal(re('^(ab|cd)*$').matchString('abcdab'), true);
  assert.equal(re('^(ab|cd)*$').matchString('abc'), false);
  assert.equal(re('[]a]').matchString(']'), true);
  assert.equal(re('[^a]').matchString('\n'), true); // Perl mode: negated classes match newline
  assert.equal(re('^.$').matchString('\n'), false);
  assert.equal(re('(?s)^.$').matchString('\n'), true);
  assert.equal(re('^b$').matchString('a\nb'), false);
  assert.equal(re('(?m)^b$').matchString('a\nb'), true);
  assert.equal(re('(?i)k').matchString('\u212a'), true); // Kelvin sign folds to k
  assert.equal(re('(?i)[[:upper:]]').matchString('x'), true);
  assert.equal(re('(?i)[^[:upper:]]').matchString('x'), false);
  assert.equal(re('x*').matchString(''), true);
  assert.equal(re('a|b|').matchString('zzz'), true);
  assert.equal(re('a(?i)*').matchString('a'), true); // (?i) pushes nothing: the star applies to a
});

test('what RE2 rejects, with Go’s messages', () => {
  const cases: [string, string][] = [
    ['[eth', 'missing closing ]: `[eth`'],
    ['x[eth', 'missing closing ]: `[eth`'],
    ['[]', 'missing closing ]: `[]`'],
    ['eth(', 'missing closing ): `eth(`'],
    ['eth)', 'unexpected ): `eth)`'],
    ['(eth))', 'unexpected ): `(eth))`'],
    ['*eth', 'missing argument to repetition operator: `*`'],
    ['(+eth)', 'missing argument to repetition operator: `+`'],
    ['a|?', 'missing argument to repetition operator: `?`'],
    ['eth**', 'invalid nested repetition operator: `**`'],
    ['eth+?*', 'invalid nested repetition operator: `+?*`'],
    ['eth++', 'invalid nested repetition operator: `++`'],
    ['x{2}{3}', 'invalid nested repetition operator: `{2}{3}`'],
    ['(?=eth)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(?!eth)', 'invalid or unsupported Perl syntax: `(?!`'],
    ['(?>eth)', 'invalid or unsupported Perl syntax: `(?>`'],
    ['(?i', 'invalid or unsupported Perl syntax: `(?i`'],
    ['(?-)', 'invalid or unsupported Perl syntax: `(?-)`'],
    ['(?<=eth)0', 'invalid named capture: `(?<=eth)0`'],
    ['(?P<>eth)', 'invalid named capture: `(?P<>`'],
    ['(?P<a-b>eth)', 'invalid named capture: `(?P<a-b>`'],
    ['(eth)\\1', 'invalid escape sequence: `\\1`'],
    ['eth\\Z', 'invalid escape sequence: `\\Z`'],
    ['\\q', 'invalid escape sequence: `\\q`'],
    ['\\C', 'invalid escape sequence: `\\C`'],
    ['\\xZ1', 'invalid escape sequence: `\\xZ1`'],
    ['\\x{}', 'invalid escape sequence: `\\x{}`'],
    ['\\x{110000}', 'invalid escape sequence: `\\x{110000`'],
    ['eth\\', 'trailing backslash at end of expression: ``'],
    ['[z-a]', 'invalid character class range: `z-a`'],
    ['[[:foo:]]', 'invalid character class range: `[:foo:]`'],
    ['\\p{Foo}', 'invalid character class range: `\\p{Foo}`'],
    ['\\p{Greek', 'invalid character class range: `\\p{Greek`'],
    ['\\p', 'invalid character class range: `\\p`'],
    ['x{1001}', 'invalid repeat count: `{1001}`'],
    ['x{2,1}', 'invalid repeat count: `{2,1}`'],
    ['x{1000000000000}', 'invalid repeat count: `{1000000000000}`'],
    ['(x{500}){3}', 'invalid repeat count: `{3}`'],
    [`${'('.repeat(1001)}x${')'.repeat(1001)}{2}`, `expression nests too deeply: \`${'('.repeat(1001)}x${')'.repeat(1001)}{2}\``],
  ];
  for (const [src, msg] of cases) assert.equal(err(src), `error parsing regexp: ${msg}`, src);
  assert.match(err(`(${'a'.repeat(4000)}){1000}`), /^error parsing regexp: expression too large: /);
  assert.match(err(`${'('.repeat(1200)}a${')'.repeat(1200)}`), /^error parsing regexp: expression nests too deeply: /);
});

test('literal strings match exactly where they occur (property)', () => {
  const name = fc.stringMatching(/^[a-z0-9_.-]{0,15}$/);
  fc.assert(
    fc.property(name, name, (needle, hay) => {
      const quoted = needle.replace(/[.\\+*?()|[\]{}^$]/g, '\\$&');
      assert.equal(re(quoted).matchString(hay), hay.includes(needle));
      assert.equal(re(`^${quoted}$`).matchString(hay), hay === needle);
      assert.equal(re(`\\Q${needle}\\E`).matchString(hay), hay.includes(needle));
    }),
  );
});

test('compiling arbitrary text never throws anything but a parse error', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'ab()[]{}|*+?\\^$.:-,0129iPpqxQEz<>=!'.split('')), maxLength: 24 }), (src) => {
      const r = GoRegexp.compile(src);
      if (r instanceof GoRegexp) r.matchString('eth0ab');
      else assert.match(r.message, /^error parsing regexp: /);
    }),
    { numRuns: 3000 },
  );
});
