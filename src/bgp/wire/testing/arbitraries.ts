// fast-check generators for wire values (used by the property and fuzz suites).

import fc from 'fast-check';
import type { AsSegment, PathAttrs, UnknownAttr } from '../attributes.ts';
import { AsPathSegment } from '../constants.ts';
import { mask4, mask6 } from '../prefix.ts';
import type { Nlri4, Nlri6, UpdateMessage } from '../update.ts';

const u32 = fc.integer({ min: 0, max: 0xffffffff });

export const nlri4 = (addPath: boolean): fc.Arbitrary<Nlri4> =>
  fc.record({ addr: u32, len: fc.integer({ min: 0, max: 32 }), pathId: addPath ? u32 : fc.constant(0) }).map((n) => ({
    ...n,
    addr: (n.addr & mask4(n.len)) >>> 0,
  }));

export const nlri6 = (addPath: boolean): fc.Arbitrary<Nlri6> =>
  fc
    .record({ addr: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), len: fc.integer({ min: 0, max: 128 }), pathId: addPath ? u32 : fc.constant(0) })
    .map((n) => ({ ...n, addr: n.addr & mask6(n.len) }));

function segment(types: number[], maxAs: number): fc.Arbitrary<AsSegment> {
  return fc.record(
    { type: fc.constantFrom(...types), asns: fc.array(fc.integer({ min: 1, max: maxAs }), { minLength: 1, maxLength: 12 }) },
    { noNullPrototype: true },
  );
}

const KNOWN = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32]);

/** Attributes that survive an encode/decode round trip in the given session context. */
export function pathAttrs(opts: { as4: boolean }): fc.Arbitrary<PathAttrs> {
  const maxAs = 0xffffffff;
  const segTypes = opts.as4
    ? [AsPathSegment.AS_SET, AsPathSegment.AS_SEQUENCE, AsPathSegment.AS_CONFED_SEQUENCE, AsPathSegment.AS_CONFED_SET]
    : [AsPathSegment.AS_SET, AsPathSegment.AS_SEQUENCE];
  const unknown: fc.Arbitrary<UnknownAttr[]> = fc
    .uniqueArray(fc.integer({ min: 19, max: 255 }).filter((t) => !KNOWN.has(t)), { maxLength: 3 })
    .chain((types) =>
      fc.tuple(...types.map((type) => fc.uint8Array({ maxLength: 300 }).map((value) => ({ flags: 0xe0, type, value })))),
    );
  return fc
    .record({
      origin: fc.integer({ min: 0, max: 2 }),
      asPath: fc.array(segment(segTypes, maxAs), { maxLength: 4 }),
      nextHop: fc.option(u32, { nil: -1 }),
      med: fc.option(u32, { nil: -1 }),
      localPref: fc.option(u32, { nil: -1 }),
      atomicAggregate: fc.boolean(),
      aggregator: fc.option(fc.record({ asn: fc.integer({ min: 1, max: maxAs }), addr: u32 }, { noNullPrototype: true }), { nil: undefined }),
      communities: fc.option(fc.array(u32, { minLength: 1, maxLength: 8 }), { nil: undefined }),
      largeCommunities: fc.option(
        fc.uniqueArray(fc.tuple(u32, u32, u32), { minLength: 1, maxLength: 4, selector: (t) => t.join(':') }).map((l) => l.flat()),
        { nil: undefined },
      ),
      extCommunities: fc.option(
        fc.integer({ min: 1, max: 4 }).chain((n) => fc.uint8Array({ minLength: n * 8, maxLength: n * 8 })),
        { nil: undefined },
      ),
      originatorId: fc.option(u32, { nil: -1 }),
      clusterList: fc.option(fc.array(u32, { minLength: 1, maxLength: 4 }), { nil: undefined }),
      unknown: fc.option(unknown.filter((u) => u.length > 0), { nil: undefined }),
    })
    .map((r) => {
      const a: PathAttrs = {
        origin: r.origin,
        asPath: r.asPath,
        nextHop: r.nextHop,
        med: r.med,
        localPref: r.localPref,
        atomicAggregate: r.atomicAggregate,
        originatorId: r.originatorId,
      };
      if (r.aggregator) a.aggregator = r.aggregator;
      if (r.communities) a.communities = r.communities;
      if (r.largeCommunities) a.largeCommunities = r.largeCommunities;
      if (r.extCommunities) a.extCommunities = r.extCommunities;
      if (r.clusterList) a.clusterList = r.clusterList;
      if (r.unknown) a.unknown = r.unknown;
      return a;
    });
}

/** UPDATE messages small enough for 4096 octets. */
export function updateMessage(opts: { as4: boolean; addPath4: boolean; addPath6: boolean }): fc.Arbitrary<UpdateMessage> {
  return fc
    .record({
      withdrawn: fc.array(nlri4(opts.addPath4), { maxLength: 20 }),
      attrs: fc.option(pathAttrs(opts), { nil: undefined }),
      nlri: fc.array(nlri4(opts.addPath4), { maxLength: 20 }),
      reach6: fc.option(
        fc.record({
          nh: fc.constantFrom(16, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
          nlri: fc.array(nlri6(opts.addPath6), { maxLength: 10 }),
        }),
        { nil: undefined },
      ),
      unreach6: fc.option(fc.array(nlri6(opts.addPath6), { maxLength: 10 }), { nil: undefined }),
    })
    .map((r) => {
      const m: UpdateMessage = { withdrawn: r.withdrawn, nlri: r.attrs ? r.nlri : [] };
      if (r.attrs) {
        m.attrs = r.attrs;
        if (r.reach6) m.mpReach = { afi: 2, safi: 1, nextHop: r.reach6.nh, nlri6: r.reach6.nlri };
      }
      if (r.unreach6) m.mpUnreach = { afi: 2, safi: 1, nlri6: r.unreach6 };
      return m;
    });
}
