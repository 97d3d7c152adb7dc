import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CILIUM_TABS, KUBECTL_TABS, table, tabwrite } from './tabwriter.ts';

test('kubectl tables: padding 3, minimum width 6, last column unpadded', () => {
  const out = table(
    [
      ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
      ['k8s-ctr', 'Ready', 'control-plane', '53m', 'v1.33.2'],
      ['k8s-w0', 'Ready', '<none>', '43m', 'v1.33.2'],
    ],
    KUBECTL_TABS,
  );
  assert.equal(
    out,
    [
      'NAME      STATUS   ROLES           AGE   VERSION',
      'k8s-ctr   Ready    control-plane   53m   v1.33.2',
      'k8s-w0    Ready    <none>          43m   v1.33.2',
    ].join('\n'),
  );
});

test('cilium service list: trailing tabs pad every cell, continuation rows align', () => {
  const out = table(
    [
      ['ID', 'Frontend', 'Service Type', 'Backend'],
      ['1', '10.96.0.1:443/TCP', 'ClusterIP', '1 => 192.168.10.100:6443/TCP (active)'],
      ['16', '10.96.0.10:53/TCP', 'ClusterIP', '1 => 172.20.0.56:53/TCP (active)'],
      ['', '', '', '2 => 172.20.0.244:53/TCP (active)'],
    ],
    CILIUM_TABS,
    true,
  );
  const lines = out.split('\n');
  assert.equal(lines[0], 'ID   Frontend            Service Type   Backend                                 ');
  assert.equal(lines[3], '                                        2 => 172.20.0.244:53/TCP (active)       ');
});

test('column blocks break on lines with fewer cells', () => {
  const out = tabwrite(['a\tbbbbbbbb\tc', 'x', 'aaaaaaaaaa\tb\tc'], { minWidth: 0, padding: 1 });
  assert.equal(out, ['a bbbbbbbb c', 'x', 'aaaaaaaaaa b c'].join('\n'));
});

// Text input, checked against Go's text/tabwriter
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
