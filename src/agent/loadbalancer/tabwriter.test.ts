import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tabwrite } from './tabwriter.ts';

const T = { minWidth: 5, padding: 3 };

test('cells are padded to the widest cell of their column plus padding, minimum width applies', () => {
  assert.equal(tabwrite('ID\tName\t\n1\tx\t\n', T), 'ID   Name   \n1    x      \n');
});

test('text after the last tab is not aligned and not padded', () => {
  assert.equal(tabwrite('a\tb\nlonger\tc\n', T), 'a        b\nlonger   c\n');
});

test('a line without tabs ends a column block', () => {
  assert.equal(tabwrite('x\t1\nSection:\nlong name\t2\n', { minWidth: 0, padding: 3 }), 'x   1\nSection:\nlong name   2\n');
});

test('deeper columns align only within their block', () => {
  const got = tabwrite('a\tb\tc\t\n\t\tdd\t\nlong\tb\t\n', T);
  // Checked against Go's text/tabwriter.
  assert.equal(got, 'a      b    c    \n            dd   \nlong   b    \n');
});

test('no trailing newline is kept as is', () => {
  assert.equal(tabwrite('a\tb', T), 'a    b');
});
