import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCIDR } from '../../netaddr/cidr.ts';
import { ribNodeCount } from './rib-count.ts';

const count = (...ps: string[]) =>
  ribNodeCount(
    ps.map((p) => {
      const c = parseCIDR(p)!;
      return { addr: c.addr, len: c.prefixLen };
    }),
    32,
  );

describe('RIB entries (FRR route_table nodes)', () => {
  // figures from seed 001 and a capture of FRR 8.4.4
  it('counts 7 nodes for the router table of seed 001', () => {
    assert.equal(count('10.10.1.0/24', '172.20.0.0/24', '172.20.1.0/24', '172.20.2.0/24'), 7);
  });
  it('counts 9 with the LoadBalancer /32 added', () => {
    assert.equal(count('10.10.1.0/24', '172.16.1.1/32', '172.20.0.0/24', '172.20.1.0/24', '172.20.2.0/24'), 9);
  });
  it('counts 5 after k8s-w0 left', () => {
    assert.equal(count('10.10.1.0/24', '172.20.0.0/24', '172.20.1.0/24'), 5);
  });
  it('needs no glue when one prefix covers the other', () => {
    assert.equal(count('10.0.0.0/8', '10.1.0.0/16'), 2);
    assert.equal(count('10.0.0.0/8'), 1);
  });
});
