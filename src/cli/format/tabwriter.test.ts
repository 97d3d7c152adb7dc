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
