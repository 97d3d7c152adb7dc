// Turning a CiliumLoadBalancerIPPool spec into address ranges, with errors that name the field.
// (Admission rejects malformed blocks up front: src/k8s/schemas/cilium-lb.ts.)

import type { CiliumLoadBalancerIPPoolSpec, IPPoolBlock } from '../../k8s/types.ts';
import { fromLabelSelector, SelectorError } from '../../k8s/selectors.ts';
import { cidrRange, parseCIDR } from '../../netaddr/cidr.ts';
import { type Family, parseIP } from '../../netaddr/ip.ts';

export interface PoolRange {
  family: Family;
  from: bigint;
  to: bigint;
  /** Came from `cidr` (only those reserve first/last with allowFirstLastIPs: No). */
  fromCidr: boolean;
}

export interface FieldError {
  field: string;
  message: string;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/**
 * Parses one block. cilium ipRangeFromBlock: a non-empty `cidr` wins and start/stop are ignored;
 * otherwise `start` is required and `stop` defaults to `start`.
 */
export function parseBlock(block: IPPoolBlock, field: string): PoolRange | FieldError {
  const cidrText = str(block?.cidr);
  if (cidrText !== '') {
    const c = parseCIDR(cidrText);
    if (!c) return { field: `${field}.cidr`, message: `not a CIDR ("${cidrText}")` };
    const r = cidrRange(c);
    return { family: r.family, from: r.from, to: r.to, fromCidr: true };
  }
  const startText = str(block?.start);
  const stopText = str(block?.stop);
  if (startText === '') return { field, message: 'one of cidr or start is required' };
  const start = parseIP(startText);
  if (!start) return { field: `${field}.start`, message: `not an IP address ("${startText}")` };
  if (stopText === '') return { family: start.family, from: start.value, to: start.value, fromCidr: false };
  const stop = parseIP(stopText);
  if (!stop) return { field: `${field}.stop`, message: `not an IP address ("${stopText}")` };
  if (stop.family !== start.family) {
    return { field, message: `start "${startText}" and stop "${stopText}" are of different IP families` };
  }
  if (stop.value < start.value) return { field, message: `start "${startText}" is after stop "${stopText}"` };
  return { family: start.family, from: start.value, to: stop.value, fromCidr: false };
}

function blockList(spec: CiliumLoadBalancerIPPoolSpec | undefined): IPPoolBlock[] | FieldError {
  const blocks: unknown = spec?.blocks;
  if (blocks === undefined || blocks === null) return [];
  return Array.isArray(blocks) ? (blocks as IPPoolBlock[]) : { field: 'spec.blocks', message: 'must be a list' };
}

function selectorError(spec: CiliumLoadBalancerIPPoolSpec | undefined): FieldError | undefined {
  try {
    fromLabelSelector(spec?.serviceSelector);
    return undefined;
  } catch (err) {
    if (!(err instanceof SelectorError)) throw err;
    return { field: 'spec.serviceSelector', message: err.message };
  }
}

/** The ranges of a spec in block order, or the errors that make the operator ignore it. */
export function parsePoolRanges(spec: CiliumLoadBalancerIPPoolSpec | undefined): { ranges: PoolRange[]; errors: FieldError[] } {
  const ranges: PoolRange[] = [];
  const errors: FieldError[] = [];
  const blocks = blockList(spec);
  if (!Array.isArray(blocks)) return { ranges, errors: [blocks] };
  blocks.forEach((b, i) => {
    const r = parseBlock(b, `spec.blocks[${i}]`);
    if ('field' in r) errors.push(r);
    else ranges.push(r);
  });
  const sel = selectorError(spec);
  if (sel) errors.push(sel);
  return { ranges, errors };
}

