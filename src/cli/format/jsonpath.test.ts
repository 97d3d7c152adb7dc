import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonpath } from './jsonpath.ts';

const svc = {
  metadata: { name: 'webpod', labels: { 'app.kubernetes.io/name': 'w' } },
  status: { loadBalancer: { ingress: [{ ip: '172.16.1.1', ipMode: 'VIP' }] } },
};
const list = {
  items: [
    { metadata: { name: 'a' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'a' }] } },
    { metadata: { name: 'b' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }] } },
  ],
};

test('kubectl jsonpath templates', () => {
  assert.equal(jsonpath('{.status.loadBalancer.ingress[0].ip}', svc), '172.16.1.1');
  assert.equal(jsonpath('{.items[*].metadata.name}', list), 'a b');
  assert.equal(jsonpath('{range .items[*]}{.metadata.name}{"\\t"}{.status.addresses[?(@.type=="InternalIP")].address}{"\\n"}{end}', list), 'a\t10.0.0.1\nb\t10.0.0.2\n');
  assert.equal(jsonpath('{.metadata.labels.app\\.kubernetes\\.io/name}', svc), 'w');
  assert.equal(jsonpath('name={.metadata.name}', svc), 'name=webpod');
  assert.equal(jsonpath('{.missing}', svc), '');
  assert.throws(() => jsonpath('{.status.loadBalancer.ingress[3].ip}', svc), /out of bounds/);
});
