import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  isWildcardDNS1123Subdomain,
} from './names.ts';

test('DNS-1123 labels and subdomains', () => {
  assert.deepEqual(isDNS1123Label('webpod'), []);
  assert.deepEqual(isDNS1123Label('k8s-w0'), []);
  assert.deepEqual(isDNS1123Label('Web_pod'), [
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  ]);
  assert.equal(isDNS1123Label('a'.repeat(64))[0], 'must be no more than 63 characters');
  assert.deepEqual(isDNS1123Subdomain('cilium-l2announce-default-webpod'), []);
  assert.deepEqual(isDNS1123Subdomain('a.b.c'), []);
  assert.equal(isDNS1123Subdomain('-a').length, 1);
  assert.equal(isDNS1123Subdomain('a..b').length, 1);
});

test('DNS-1035 labels (Service names) must start with a letter', () => {
  assert.deepEqual(isDNS1035Label('webpod'), []);
  assert.match(isDNS1035Label('1webpod')[0]!, /^a DNS-1035 label must consist of/);
});

test('qualified names: label and annotation keys', () => {
  assert.deepEqual(isQualifiedName('app'), []);
  assert.deepEqual(isQualifiedName('kubernetes.io/hostname'), []);
  assert.deepEqual(isQualifiedName('node-role.kubernetes.io/control-plane'), []);
  assert.deepEqual(isQualifiedName('/x'), ['prefix part must be non-empty']);
  assert.deepEqual(isQualifiedName('x/'), ['name part must be non-empty']);
  assert.match(isQualifiedName('a/b/c')[0]!, /^a qualified name must consist of .* with an optional DNS subdomain prefix and '\/'/);
  assert.match(isQualifiedName('Bad_Prefix/x')[0]!, /^prefix part a lowercase RFC 1123 subdomain/);
  assert.match(isQualifiedName('reserved:ingress')[0]!, /^name part must consist of alphanumeric characters/);
});

test('label values may be empty', () => {
  assert.deepEqual(isValidLabelValue(''), []);
  assert.deepEqual(isValidLabelValue('webpod'), []);
  assert.match(isValidLabelValue('a b')[0]!, /^a valid label must be an empty string or consist of/);
});

test('port names follow IANA service names', () => {
  assert.deepEqual(isValidPortName('http'), []);
  assert.deepEqual(isValidPortName('http-8080'), []);
  assert.deepEqual(isValidPortName('8080'), ['must contain at least one letter (a-z)']);
  assert.deepEqual(isValidPortName('a--b'), ['must not contain consecutive hyphens']);
  assert.deepEqual(isValidPortName('-http'), ['must not begin or end with a hyphen']);
  assert.deepEqual(isValidPortName('averyveryverylongname'), ['must be no more than 15 characters']);
});

test('config keys, env names and wildcard hosts', () => {
  assert.deepEqual(isConfigMapKey('tls.crt'), []);
  assert.deepEqual(isConfigMapKey('..data'), ["must not start with '..'"]);
  assert.deepEqual(isConfigMapKey('.'), ["must not be '.'"]);
  assert.equal(isConfigMapKey('a b').length, 1);
  assert.deepEqual(isEnvVarName('POD_NAME'), []);
  assert.equal(isEnvVarName('1X').length, 1);
  assert.deepEqual(isWildcardDNS1123Subdomain('*.cilium.rocks'), []);
  assert.equal(isWildcardDNS1123Subdomain('*cilium.rocks').length, 1);
});
