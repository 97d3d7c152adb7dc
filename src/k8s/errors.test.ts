import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldErrors, formatFieldPath, formatInputError, invalidError, qualifiedKind, strictDecodingError } from './errors.ts';

test('field paths print like field.Path', () => {
  assert.equal(formatFieldPath(['spec', 'ports', 0, 'port']), 'spec.ports[0].port');
  assert.equal(formatFieldPath(['data', { key: 'tls.crt' }]), 'data[tls.crt]');
  assert.equal(formatFieldPath([]), '');
});

test('field errors print like field.Error', () => {
  assert.equal(String(fieldErrors.invalid(['spec', 'ports', 0, 'port'], 0, 'must be between 1 and 65535, inclusive')), 'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive');
  assert.equal(String(fieldErrors.invalid(['spec', 'blocks', 0, 'cidr'], '172.16.1.0/33', 'must be a valid CIDR')), 'spec.blocks[0].cidr: Invalid value: "172.16.1.0/33": must be a valid CIDR');
  assert.equal(String(fieldErrors.required(['spec', 'selector'])), 'spec.selector: Required value');
  assert.equal(String(fieldErrors.forbidden(['spec'], 'nope')), 'spec: Forbidden: nope');
  assert.equal(String(fieldErrors.notSupported(['spec', 'type'], 'X', ['A', 'B'])), 'spec.type: Unsupported value: "X": supported values: "A", "B"');
  assert.equal(String(fieldErrors.duplicate(['a', 1], 'x')), 'a[1]: Duplicate value: "x"');
  assert.equal(String(fieldErrors.notFound(['a'], 'x')), 'a: Not found: "x"');
  assert.equal(String(fieldErrors.tooMany(['a'], 17, 16)), 'a: Too many: 17: must have at most 16 items');
  assert.equal(String(fieldErrors.tooLong(['a'], 5)), 'a: Too long: may not be more than 5 bytes');
  assert.equal(String(fieldErrors.invalid(['a'], { b: [1] }, 'x')), 'a: Invalid value: {"b":[1]}: x');
  assert.equal(String(fieldErrors.invalid(['a'], null, 'x')), 'a: Invalid value: null: x');
  assert.equal(String(fieldErrors.unknownField(['spec', 'foo'])), 'unknown field "spec.foo"');
});

test('object errors: qualified kinds and the apiserver message', () => {
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'webpod' } };
  const pool = { apiVersion: 'cilium.io/v2', kind: 'CiliumLoadBalancerIPPool', metadata: { name: 'p' } };
  assert.equal(qualifiedKind(svc), 'Service');
  assert.equal(qualifiedKind(pool), 'CiliumLoadBalancerIPPool.cilium.io');
  const e = invalidError(pool, [fieldErrors.invalid(['spec', 'blocks', 0, 'cidr'], 'x', 'must be a valid CIDR'), fieldErrors.required(['spec', 'blocks', 1, 'start'])]);
  assert.equal(e.message, 'CiliumLoadBalancerIPPool.cilium.io "p" is invalid: [spec.blocks[0].cidr: Invalid value: "x": must be a valid CIDR, spec.blocks[1].start: Required value]');
  assert.equal(e.code, 'Invalid');
  assert.deepEqual(e.causes[1], { field: 'spec.blocks[1].start', message: 'Required value' });
  const d = strictDecodingError(svc, 'v1', [fieldErrors.unknownField(['spec', 'foo']), fieldErrors.unknownField(['bar'])]);
  assert.equal(d.message, 'Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.foo", unknown field "bar"');
  assert.equal(d.code, 'BadRequest');
});

test('located input errors', () => {
  assert.equal(
    formatInputError({ source: 'pool.yaml', line: 9, kind: 'CiliumLoadBalancerIPPool', name: 'p', field: 'spec.blocks[0].cidr', message: 'Invalid value: "x": must be a valid CIDR' }),
    'pool.yaml:9: CiliumLoadBalancerIPPool/p: spec.blocks[0].cidr: Invalid value: "x": must be a valid CIDR',
  );
  assert.equal(formatInputError({ source: '-', message: 'boom' }), '-: boom');
  assert.equal(formatInputError({ message: 'the path "x" does not exist' }), 'the path "x" does not exist');
});
