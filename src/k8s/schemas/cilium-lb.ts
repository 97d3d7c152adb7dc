// cilium.io CiliumLoadBalancerIPPool (v2, v2alpha1) and CiliumL2AnnouncementPolicy (v2alpha1).
// ../shared/spec/cilium-1.18.md §1.1 and §3.

import { z } from 'zod';
import { isCIDR } from '../../netaddr/cidr.ts';
import { compareIP, parseIP } from '../../netaddr/ip.ts';
import type { CiliumL2AnnouncementPolicy, CiliumLoadBalancerIPPool, IPPoolBlock } from '../types.ts';
import { bool, type IssueSink, kind, obj, oneOf, report, str, strList } from './dsl.ts';
import { crdCondition, crdLabelSelector, objectMeta } from './meta.ts';

const conditionsStatus = z.strictObject({ conditions: z.array(crdCondition).optional() });

/**
 * A block is `{cidr}` or `{start[, stop]}`. Where LB-IPAM would silently let a cidr win over
 * start/stop, or only log (bad start/stop, stop before start, mixed families), cilia rejects the
 * pool at admission, so the mistake is seen instead of ignored.
 */
function checkBlock(b: IPPoolBlock, ctx: IssueSink): void {
  if (b.cidr) {
    if (!isCIDR(b.cidr)) report(ctx, 'Invalid', 'must be a valid CIDR', ['cidr'], b.cidr);
    if (b.start) report(ctx, 'Forbidden', 'may not be specified together with cidr', ['start']);
    else if (b.stop) report(ctx, 'Forbidden', 'may not be specified together with cidr', ['stop']);
    return;
  }
  if (!b.start) {
    report(ctx, 'Required', 'either cidr or start must be set', ['start']);
    return;
  }
  const start = parseIP(b.start);
  if (!start) {
    report(ctx, 'Invalid', 'must be a valid IP address', ['start'], b.start);
    return;
  }
  if (!b.stop) return;
  const stop = parseIP(b.stop);
  if (!stop) report(ctx, 'Invalid', 'must be a valid IP address', ['stop'], b.stop);
  else if (stop.family !== start.family) report(ctx, 'Invalid', 'must be of the same IP family as start', ['stop'], b.stop);
  else if (compareIP(stop, start) < 0) report(ctx, 'Invalid', 'must not be before start', ['stop'], b.stop);
}

const block = obj<IPPoolBlock>()({ cidr: str().optional(), start: str().optional(), stop: str().optional() }).superRefine(checkBlock);

export const ipPool = kind<CiliumLoadBalancerIPPool>()({
  metadata: objectMeta,
  spec: z.strictObject({
    blocks: z.array(block),
    allowFirstLastIPs: oneOf(['Yes', 'No']).optional(),
    serviceSelector: crdLabelSelector.optional(),
    disabled: bool().optional(),
  }),
  status: conditionsStatus.optional(),
});

export const l2AnnouncementPolicy = kind<CiliumL2AnnouncementPolicy>()({
  metadata: objectMeta,
  spec: z.strictObject({
    nodeSelector: crdLabelSelector.optional(),
    serviceSelector: crdLabelSelector.optional(),
    interfaces: strList().optional(),
    externalIPs: bool().optional(),
    loadBalancerIPs: bool().optional(),
  }),
  status: conditionsStatus.optional(),
});
