import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { cidrContains, cidrRange, cidrSize, formatCIDR, formatRange, parseCIDR, rangesOverlap, subnet } from './cidr.ts';
import { canonicalIP, formatIP, isIPv4, isIPv6, parseIP, parseIPv4Number } from './ip.ts';

test('IPv4 parsing is strict like Go netip', () => {
  assert.equal(parseIPv4Number('192.168.10.200'), 0xc0a80ac8);
  for (const bad of ['192.168.010.1', '256.1.1.1', '1.2.3', '1.2.3.4.5', '', '1..2.3', ' 1.2.3.4', '1.2.3.4/24']) {
    assert.equal(parseIPv4Number(bad), -1, bad);
  }
  assert.ok(isIPv4('0.0.0.0'));
  assert.ok(!isIPv4('::1'));
});

test('IPv6 canonical formatting follows RFC 5952', () => {
  const cases: [string, string][] = [
    ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::5054:ff:fe24:2d30', 'fe80::5054:ff:fe24:2d30'],
    ['::ffff:192.168.1.1', '::ffff:192.168.1.1'],
    ['2004::0', '2004::'],
    ['ff::', 'ff::'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalIP(input), want, input);
  for (const bad of ['1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', 'g::', ':1', '1:2:3:4:5:6:7::8:9']) {
    assert.ok(!isIPv6(bad), bad);
  }
});

test('CIDRs are masked and measured exactly', () => {
  const c = parseCIDR('10.0.0.12/24')!;
  assert.equal(formatCIDR(c), '10.0.0.0/24');
  assert.equal(cidrSize(parseCIDR('2001:db8::/64')!), 18446744073709551616n);
  assert.equal(formatRange(cidrRange(parseCIDR('172.16.1.0/24')!)), '172.16.1.0 - 172.16.1.255');
  assert.ok(cidrContains(c, parseIP('10.0.0.255')!));
  assert.ok(!cidrContains(c, parseIP('10.0.1.0')!));
  assert.equal(parseCIDR('172.16.1.0/33'), undefined);
  assert.equal(parseCIDR('172.16.1.0/024'), undefined);
  assert.equal(formatCIDR(subnet(parseCIDR('172.20.0.0/16')!, 24, 2n)!), '172.20.2.0/24');
  assert.ok(rangesOverlap(cidrRange(parseCIDR('10.0.0.0/8')!), cidrRange(parseCIDR('10.1.0.0/16')!)));
});

test('parse(format(x)) round-trips for any address', () => {
  fc.assert(
    fc.property(fc.ipV4(), (s) => formatIP(parseIP(s)!) === s),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.ipV6(), (s) => {
      const ip = parseIP(s);
      assert.ok(ip, s);
      const again = parseIP(formatIP(ip));
      return again !== undefined && again.value === ip.value;
    }),
    { numRuns: 500 },
  );
});
