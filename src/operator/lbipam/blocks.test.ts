import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CiliumLoadBalancerIPPoolSpec } from '../../k8s/types.ts';
import { parseBlock, parsePoolRanges } from './blocks.ts';

const spec = (blocks: unknown, extra: object = {}) => ({ blocks, ...extra }) as CiliumLoadBalancerIPPoolSpec;

describe('pool blocks', () => {
  it('masks a CIDR and takes start/stop as given', () => {
    assert.deepEqual(parseBlock({ cidr: '10.0.0.12/24' }, 'b'), { family: 4, from: 0x0a000000n, to: 0x0a0000ffn, fromCidr: true });
    assert.deepEqual(parseBlock({ start: '20.0.20.100', stop: '20.0.20.200' }, 'b'), {
      family: 4,
      from: 0x14001464n,
      to: 0x140014c8n,
      fromCidr: false,
    });
    assert.deepEqual(parseBlock({ start: 'ff::1' }, 'b'), { family: 6, from: 0xff0000000000000000000000000001n, to: 0xff0000000000000000000000000001n, fromCidr: false });
  });

  it('lets a non-empty cidr win over start/stop, as cilium does', () => {
    const r = parseBlock({ cidr: '10.0.0.0/30', start: '10.9.9.9', stop: '10.9.9.1' }, 'b');
    assert.deepEqual(r, { family: 4, from: 0x0a000000n, to: 0x0a000003n, fromCidr: true });
  });

  it('names the field of every unusable block', () => {
    const { ranges, errors } = parsePoolRanges(
      spec([
        { cidr: '172.16.1.0/33' },
        { start: '10.0.0.9', stop: '10.0.0.1' },
        { start: '10.0.0.1', stop: 'ff::1' },
        { start: 'banana' },
        { stop: '10.0.0.1' },
        { cidr: '10.1.0.0/16' },
      ]),
    );
    assert.equal(ranges.length, 1);
    assert.deepEqual(
      errors.map((e) => `${e.field}: ${e.message}`),
      [
        'spec.blocks[0].cidr: not a CIDR ("172.16.1.0/33")',
        'spec.blocks[1]: start "10.0.0.9" is after stop "10.0.0.1"',
        'spec.blocks[2]: start "10.0.0.1" and stop "ff::1" are of different IP families',
        'spec.blocks[3].start: not an IP address ("banana")',
        'spec.blocks[4]: one of cidr or start is required',
      ],
    );
  });

  it('rejects a selector that does not convert and blocks that are not a list', () => {
    const bad = parsePoolRanges(spec([], { serviceSelector: { matchExpressions: [{ key: 'a', operator: 'Near', values: ['b'] }] } }));
    assert.deepEqual(bad.errors, [{ field: 'spec.serviceSelector', message: '"Near" is not a valid label selector operator' }]);
    assert.deepEqual(parsePoolRanges(spec('10.0.0.0/24')).errors, [{ field: 'spec.blocks', message: 'must be a list' }]);
    assert.deepEqual(parsePoolRanges(spec(undefined)), { ranges: [], errors: [] });
  });

});
