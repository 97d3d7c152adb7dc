import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type PathAttrs, emptyAttrs } from '../wire/attributes.ts';
import { AttrStore } from './attrset.ts';
import { type DecisionOptions, type PathSource, Reason, SourceKind, defaultDecisionOptions, reasonText } from './decision.ts';
import { PathFlag, RibTable } from './table.ts';

const ip = (s: string) => s.split('.').reduce((v, o) => v * 256 + Number(o), 0);

function setup(opts: Partial<DecisionOptions> = {}) {
  const store = new AttrStore();
  const sources: PathSource[] = [{ kind: SourceKind.LOCAL, routerId: ip('192.168.10.200'), addrKey: 0n, peerAs: 65000, weight: 32768 }];
  const table = new RibTable(4, store, sources, { ...defaultDecisionOptions(), ...opts });
  const peer = (addr: string, asn: number, kind: SourceKind = SourceKind.EBGP) => {
    sources.push({ kind, routerId: ip(addr), addrKey: BigInt(ip(addr)), peerAs: asn, weight: 0 });
    return sources.length - 1;
  };
  const attrs = (nh: string, extra: Partial<PathAttrs> = {}): PathAttrs => ({
    ...emptyAttrs(),
    origin: 0,
    asPath: [{ type: 2, asns: [65001] }],
    nextHop: ip(nh),
    ...extra,
  });
  const add = (prefix: string, src: number, a: PathAttrs, now = 0) => {
    const [addr, len] = prefix.split('/');
    const d = table.ensure4(ip(addr!), Number(len));
    const id = store.acquire(a);
    store.ref(id);
    table.setPath(d, src, 0, id, id, now);
    return d;
  };
  const changes: number[] = [];
  const run = () => table.process((d) => changes.push(d));
  return { store, sources, table, peer, attrs, add, run, changes };
}

describe('decision process', () => {
  it('a single path is best by "First path received"', () => {
    const t = setup();
    const p = t.peer('192.168.10.100', 65001);
    const d = t.add('172.20.0.0/24', p, t.attrs('192.168.10.100'));
    t.run();
    assert.equal(t.table.dBest[d], t.table.findPath(d, p, 0));
    assert.equal(reasonText(t.table.dReason[d]!), 'First path received');
    assert.equal(t.table.version, 1);
  });

  it('three equal eBGP paths: lowest router ID is best, the others multipath (seed 001)', () => {
    const t = setup({ maxPathsEbgp: 4, multipathRelax: true });
    const peers = ['192.168.10.100', '192.168.10.101', '192.168.20.100'].map((a) => t.peer(a, 65001));
    let d = -1;
    for (const p of [...peers].reverse()) d = t.add('172.16.1.1/32', p, t.attrs(t.sources[p]!.routerId === ip('192.168.20.100') ? '192.168.20.100' : '192.168.10.100'));
    t.run();
    assert.equal(t.table.pSrc[t.table.dBest[d]!], peers[0]);
    assert.equal(reasonText(t.table.dReason[d]!), 'Router ID');
    assert.equal(t.table.installed(d).length, 3);
    assert.equal(t.changes.length, 1);
  });

  it('the current best eBGP path is kept against an equal newcomer ("Older Path")', () => {
    const t = setup();
    const a = t.peer('10.0.0.2', 65002);
    const b = t.peer('10.0.0.1', 65003);
    const d = t.add('10.1.0.0/16', a, t.attrs('10.0.0.2', { asPath: [{ type: 2, asns: [65002] }] }));
    t.run();
    t.add('10.1.0.0/16', b, t.attrs('10.0.0.1', { asPath: [{ type: 2, asns: [65003] }] }));
    t.run();
    assert.equal(t.table.pSrc[t.table.dBest[d]!], a);
    assert.equal(t.table.dReason[d], Reason.OLDER);
  });

  it('without multipath-relax, eBGP multipath needs the same neighbour AS', () => {
    const t = setup({ maxPathsEbgp: 4 });
    const a = t.peer('10.0.0.1', 65001);
    const b = t.peer('10.0.0.2', 65002);
    const c = t.peer('10.0.0.3', 65001);
    t.add('10.9.0.0/16', a, t.attrs('10.0.0.1'));
    t.add('10.9.0.0/16', b, t.attrs('10.0.0.2', { asPath: [{ type: 2, asns: [65002] }] }));
    const d = t.add('10.9.0.0/16', c, t.attrs('10.0.0.3', { asPath: [{ type: 2, asns: [65001] }] }));
    t.run();
    const installed = t.table.installed(d).map((p) => t.table.pSrc[p]);
    assert.deepEqual(installed.sort(), [a, c]);
  });

  it('applies weight, local-pref, AS-path length, origin, MED and eBGP-over-iBGP in order', () => {
    const cases: [Partial<PathAttrs>, Partial<PathAttrs>, number][] = [
      [{ localPref: 200 }, { localPref: 100 }, Reason.LOCAL_PREF],
      [{ asPath: [{ type: 2, asns: [1] }] }, { asPath: [{ type: 2, asns: [1, 2] }] }, Reason.AS_PATH],
      [{ origin: 0 }, { origin: 2 }, Reason.ORIGIN],
      [{ med: 5 }, { med: 10 }, Reason.MED],
    ];
    for (const [better, worse, reason] of cases) {
      const t = setup();
      const w = t.peer('10.0.0.9', 65001, SourceKind.IBGP);
      const x = t.peer('10.0.0.1', 65001, SourceKind.IBGP);
      t.add('10.2.0.0/16', w, t.attrs('10.0.0.9', worse));
      const d = t.add('10.2.0.0/16', x, t.attrs('10.0.0.1', better));
      t.run();
      assert.equal(t.table.pSrc[t.table.dBest[d]!], x, reasonText(reason));
      assert.equal(t.table.dReason[d], reason);
    }
    const t = setup();
    const i = t.peer('10.0.0.1', 65000, SourceKind.IBGP);
    const e = t.peer('10.0.0.9', 65001);
    t.add('10.3.0.0/16', i, t.attrs('10.0.0.1'));
    const d = t.add('10.3.0.0/16', e, t.attrs('10.0.0.9'));
    t.run();
    assert.equal(t.table.pSrc[t.table.dBest[d]!], e);
    assert.equal(t.table.dReason[d], Reason.PEER_TYPE);
  });

  it('a locally originated route beats learned ones by weight', () => {
    const t = setup();
    const p = t.peer('10.0.0.1', 65001);
    t.add('10.10.1.0/24', p, t.attrs('10.0.0.1'));
    const d = t.add('10.10.1.0/24', 0, t.attrs('0.0.0.0', { asPath: [], med: 0 }));
    t.run();
    assert.equal(t.table.pSrc[t.table.dBest[d]!], 0);
    assert.equal(t.table.dReason[d], Reason.WEIGHT);
  });

  it('rejected and unusable paths are never selected', () => {
    const t = setup();
    const p = t.peer('10.0.0.1', 65001);
    const d = t.table.ensure4(ip('10.4.0.0'), 16);
    const id = t.store.acquire(t.attrs('10.0.0.1'));
    t.table.setPath(d, p, 0, id, -1, 0);
    t.run();
    assert.equal(t.table.dBest[d], -1);
    assert.equal(t.table.srcPaths[p], 1);
    assert.equal(t.table.srcAccepted[p], 0);
  });

  it('the winner does not depend on arrival order when the order is total', () => {
    const path = fc.record({
      lp: fc.integer({ min: 99, max: 101 }),
      len: fc.integer({ min: 1, max: 3 }),
      origin: fc.integer({ min: 0, max: 2 }),
      med: fc.integer({ min: 0, max: 2 }),
      ibgp: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(path, { minLength: 1, maxLength: 12 }), fc.nat(), (paths, seed) => {
        const winners: number[] = [];
        for (const order of [paths.map((_, i) => i), paths.map((_, i) => (i + seed) % paths.length)]) {
          const t = setup({ alwaysCompareMed: true, compareRouterId: true });
          const srcs = paths.map((_, i) => t.peer(`10.0.${i}.1`, 65001, paths[i]!.ibgp ? SourceKind.IBGP : SourceKind.EBGP));
          let d = -1;
          for (const i of order) {
            const x = paths[i]!;
            d = t.add('10.5.0.0/16', srcs[i]!, t.attrs(`10.0.${i}.1`, { localPref: x.lp, med: x.med, origin: x.origin, asPath: [{ type: 2, asns: new Array(x.len).fill(65001) }] }));
          }
          t.run();
          winners.push(t.table.pSrc[t.table.dBest[d]!]!);
        }
        assert.equal(winners[0], winners[1]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('table bookkeeping', () => {
  it('frees destinations and attribute sets once nothing uses them', () => {
    const t = setup();
    const p = t.peer('10.0.0.1', 65001);
    const d = t.add('10.6.0.0/16', p, t.attrs('10.0.0.1'));
    t.run();
    assert.equal(t.store.size, 1);
    t.table.removePath(d, p, 0);
    t.run();
    t.table.collect(() => false);
    assert.equal(t.table.find4(ip('10.6.0.0'), 16), -1);
    assert.equal(t.table.destinationCount, 0);
    assert.equal(t.store.size, 0);
  });

  it('stale marking and sweep (graceful restart)', () => {
    const t = setup();
    const p = t.peer('10.0.0.1', 65001);
    for (let i = 0; i < 10; i++) t.add(`10.7.${i}.0/24`, p, t.attrs('10.0.0.1'));
    t.run();
    assert.equal(t.table.flagSource(p, PathFlag.STALE, true), 10);
    t.add('10.7.3.0/24', p, t.attrs('10.0.0.1'));
    assert.equal(t.table.removeWhere(p, (q) => (t.table.pFlags[q]! & PathFlag.STALE) !== 0), 9);
    t.run();
    assert.equal(t.table.pathCount, 1);
  });
});
