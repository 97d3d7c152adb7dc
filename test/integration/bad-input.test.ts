// Issue 2's bad input through the CLI against a lab: each gets one clear line naming where and
// what, a failing multi-document apply applies nothing, and nothing crashes.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { GK } from '../../src/k8s/kinds.ts';
import { type LabCli, labCli } from '../../src/lab/cli-session.ts';
import { Lab } from '../../src/lab/runtime.ts';
import { loadTopology } from '../../src/lab/topology.ts';

let lab: Lab;
let run: LabCli;
const dir = mkdtempSync(join(tmpdir(), 'cilia-bad-'));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function cli(args: string[], stdin = ''): Promise<{ out: string; code: number }> {
  const { output, code } = await run(args, stdin);
  return { out: output, code };
}

before(async () => {
  lab = new Lab(loadTopology('labs/week5-bgp'), { clock: 'virtual' });
  await lab.start();
  run = labCli(lab);
});

after(async () => {
  await lab.stop();
});

const svc = (name: string, extra = '') => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector:
    app: x
  ports:
  - port: 80${extra}
`;

test('invalid YAML names the file and line', async () => {
  const { out, code } = await cli(['apply', '-f', file('broken.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n   bad: indent\n')]);
  assert.equal(code, 1);
  assert.match(out, /^error: .*broken\.yaml:\d+: /);
  assert.equal(out.trim().split('\n').length, 1);
});

test('a wrong type and an unknown field name the field path and line', async () => {
  const wrong = await cli(['apply', '-f', file('wrong.yaml', svc('w').replace('port: 80', 'port: eighty'))]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.out, /wrong\.yaml:9: Service\/w: spec\.ports\[0\]\.port: /);
  const unknown = await cli(['apply', '-f', file('unknown.yaml', svc('u', '\n    colour: blue'))]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.out, /unknown\.yaml:10: Service\/u: .*unknown field "spec\.ports\[0\]\.colour"/);
});

test('a duplicate name in one apply and a failing document apply nothing', async () => {
  const dup = await cli(['apply', '-f', file('dup.yaml', `${svc('dup-a')}---\n${svc('dup-a')}`)]);
  assert.equal(dup.code, 1);
  assert.match(dup.out, /dup\.yaml:11: Service\/dup-a: duplicate object in this apply, also defined at .*dup\.yaml:1/);
  const mixed = await cli(['apply', '-f', file('mixed.yaml', `${svc('good-one')}---\n${svc('bad-one').replace('port: 80', 'port: 0')}`)]);
  assert.equal(mixed.code, 1);
  assert.match(mixed.out, /Service\/bad-one: spec\.ports\[0\]\.port: Invalid value: 0: must be between 1 and 65535, inclusive/);
  assert.equal(await lab.store.get(GK.Service, 'default', 'good-one'), undefined, 'nothing of the failing invocation was applied');
});

test('a missing namespace and a NodePort collision are refused by the server with one line', async () => {
  const ns = await cli(['apply', '-f', '-'], svc('lost').replace('name: lost', 'name: lost\n  namespace: nowhere'));
  assert.equal(ns.code, 1);
  assert.equal(ns.out, 'Error from server (NotFound): namespaces "nowhere" not found\n');
  const np = (name: string) => svc(name).replace('selector:', 'type: NodePort\n  selector:').replace('port: 80', 'port: 80\n    nodePort: 30080');
  assert.equal((await cli(['apply', '-f', '-'], np('np-a'))).code, 0);
  const clash = await cli(['apply', '-f', '-'], np('np-b'));
  assert.equal(clash.code, 1);
  assert.match(clash.out, /^Error from server \(Invalid\): Service "np-b" is invalid: spec\.ports\[0\]\.nodePort: Invalid value: 30080: provided port is already allocated\n$/);
});

test('a stale resourceVersion is a conflict; unknown resources and names say so', async () => {
  const cur = await lab.store.get(GK.Service, 'default', 'webpod');
  await cli(['label', 'svc', 'webpod', 'touched=yes']);
  const stale = await cli(['apply', '-f', '-'], JSON.stringify({ ...cur, metadata: { ...cur!.metadata, labels: { x: 'y' } } }));
  assert.equal(stale.code, 1);
  assert.match(stale.out, /Operation cannot be fulfilled on services "webpod": the object has been modified; please apply your changes to the latest version and try again/);
  const noType = await cli(['get', 'widgets']);
  assert.equal(noType.code, 1);
  assert.equal(noType.out, 'error: the server doesn\'t have a resource type "widgets"\n');
  const noPod = await cli(['get', 'pod', 'ghost']);
  assert.equal(noPod.code, 1);
  assert.equal(noPod.out, 'Error from server (NotFound): pods "ghost" not found\n');
  const badFlag = await cli(['get', 'pods', '--colour']);
  assert.equal(badFlag.code, 1);
  assert.match(badFlag.out, /unknown option '--colour'/);
});
