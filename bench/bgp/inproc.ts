// In-process measurements that need no root and no daemons: route ingestion through a speaker
// over in-memory sockets (source → SUT → sink, as the harness does on real TCP), the late-join
// table dump, and best-path selection over 64 paths. Prints CPU milliseconds, which are stable
// on a busy machine; wall time needs the harness (index.ts).

import type { Duplex } from 'node:stream';
import { RealClock } from '../../src/controller/clock.ts';
import { defaultDecisionOptions, type PathSource, SourceKind } from '../../src/bgp/rib/decision.ts';
import { AttrStore } from '../../src/bgp/rib/attrset.ts';
import { RibTable } from '../../src/bgp/rib/table.ts';
import { Speaker } from '../../src/bgp/speaker.ts';
import { memoryNetwork } from '../../src/bgp/testing/memory-transport.ts';
import { emptyAttrs } from '../../src/bgp/wire/attributes.ts';
import { Framer } from '../../src/bgp/wire/message.ts';
import { encodeOpen } from '../../src/bgp/wire/open.ts';
import { KEEPALIVE_MESSAGE } from '../../src/bgp/wire/message.ts';

/** Pre-encoded UPDATEs like bgpkit.py's source: N /24s from 20.0.0.0, `sets` attribute sets. */
export function buildUpdates(n: number, sets: number, asn: number, nextHop: number): Buffer {
  const out: Buffer[] = [];
  const attrsFor = (k: number) => {
    const path = sets > 1 ? [asn, 4200000000 + (k % 1000)] : [asn];
    const b: number[] = [0x40, 1, 1, 0, 0x40, 2, 2 + 4 * path.length, 2, path.length];
    for (const a of path) b.push(a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255);
    b.push(0x40, 3, 4, nextHop >>> 24, (nextHop >>> 16) & 255, (nextHop >>> 8) & 255, nextHop & 255);
    if (sets > 1) b.push(0x80, 4, 4, k >>> 24, (k >>> 16) & 255, (k >>> 8) & 255, k & 255);
    return Buffer.from(b);
  };
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const k = sets > 1 ? i % sets : 0;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(i);
  }
  for (const [k, idx] of groups) {
    const attrs = attrsFor(k);
    const per = Math.floor((4096 - 23 - attrs.length) / 4);
    for (let i = 0; i < idx.length; i += per) {
      const chunk = idx.slice(i, i + per);
      const len = 23 + attrs.length + chunk.length * 4;
      const m = Buffer.alloc(len, 0);
      m.fill(0xff, 0, 16);
      m.writeUInt16BE(len, 16);
      m[18] = 2;
      m.writeUInt16BE(attrs.length, 21);
      attrs.copy(m, 23);
      let p = 23 + attrs.length;
      for (const j of chunk) {
        const v = (20 << 24) + j * 256;
        m[p++] = 24;
        m[p++] = v >>> 24;
        m[p++] = (v >>> 16) & 255;
        m[p++] = (v >>> 8) & 255;
      }
      out.push(m);
    }
  }
  return Buffer.concat(out);
}

/** A raw peer: sends OPEN, answers with KEEPALIVE, counts distinct /24 prefixes it is sent. */
class RawPeer {
  established = false;
  count = 0;
  updates = 0;
  private held = new Uint8Array(1 << 24);
  private framer = new Framer();
  onTarget: (() => void) | undefined;
  target = 0;

  constructor(
    readonly sock: Duplex,
    asn: number,
    id: number,
  ) {
    sock.on('data', (c: Buffer) => this.data(c));
    sock.write(encodeOpen({ version: 4, myAs: asn, holdTime: 90, bgpId: id, capabilities: [{ code: 65, asn }] }));
  }

  private data(c: Buffer): void {
    this.framer.push(c, (type, b, s, e) => {
      if (type === 1) this.sock.write(KEEPALIVE_MESSAGE);
      else if (type === 4) this.established = true;
      else if (type === 2) this.update(b, s, e);
    });
  }

  private update(b: Buffer, s: number, e: number): void {
    this.updates++;
    const wl = b.readUInt16BE(s);
    for (let p = s + 2; p < s + 2 + wl; p += 4) if (this.held[(b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!]) {
      this.held[(b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!] = 0;
      this.count--;
    }
    const al = b.readUInt16BE(s + 2 + wl);
    for (let p = s + 4 + wl + al; p < e; p += 4) {
      const k = (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
      if (!this.held[k]) {
        this.held[k] = 1;
        this.count++;
      }
    }
    if (this.target > 0 && this.count >= this.target && this.onTarget) {
      const f = this.onTarget;
      this.onTarget = undefined;
      f();
    }
  }
}

function cpuMs(from: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
}

async function waitFor(pred: () => boolean): Promise<void> {
  while (!pred()) await new Promise((r) => setImmediate(r));
}

export interface IngestResult {
  n: number;
  sets: number;
  ingestCpuMs: number;
  ingestWallMs: number;
  sinkUpdates: number;
  joinCpuMs: number;
  joinWallMs: number;
  joinUpdates: number;
  heapMb: number;
}

/** source → SUT → sink over in-memory sockets, then a second sink joins. */
export async function ingest(n: number, sets: number): Promise<IngestResult> {
  const net = memoryNetwork();
  const sut = new Speaker({ asn: 65012, routerId: '10.0.0.12', clock: new RealClock(), transport: net.transport('10.0.0.12'), listen: { address: '10.0.0.12', port: 179 }, ebgpRequiresPolicy: false });
  for (const [a, asn] of [['10.0.0.11', 65011], ['10.0.0.13', 65013], ['10.0.0.14', 65014]] as const) sut.addPeer({ address: a, asn, passive: true });
  await sut.start();
  const connect = (from: string, asn: number) => new RawPeer(net.transport(from).connect({ host: '10.0.0.12', port: 179 }) as Duplex, asn, Number(from.split('.')[3]));
  const sink = connect('10.0.0.13', 65013);
  await waitFor(() => sink.established);
  const blob = buildUpdates(n, sets, 65011, 0x0a00000b);
  const source = connect('10.0.0.11', 65011);
  await waitFor(() => source.established);
  sink.target = n;
  const done = new Promise<void>((r) => {
    sink.onTarget = r;
  });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  source.sock.write(blob);
  await done;
  const ingestCpuMs = cpuMs(c0);
  const ingestWallMs = performance.now() - t0;
  const c1 = process.cpuUsage();
  const t1 = performance.now();
  const late = connect('10.0.0.14', 65014);
  late.target = n;
  await new Promise<void>((r) => {
    late.onTarget = r;
  });
  const r: IngestResult = {
    n,
    sets,
    ingestCpuMs,
    ingestWallMs,
    sinkUpdates: sink.updates,
    joinCpuMs: cpuMs(c1),
    joinWallMs: performance.now() - t1,
    joinUpdates: late.updates,
    heapMb: process.memoryUsage().rss / 1048576,
  };
  sut.stop();
  return r;
}

/** Mean CPU µs of one full best-path selection over `paths` eBGP paths for one prefix. */
export function bestPath(paths: number, rounds: number, multipath: boolean): number {
  const store = new AttrStore();
  const sources: PathSource[] = [{ kind: SourceKind.LOCAL, routerId: 1, addrKey: 0n, peerAs: 65000, weight: 32768 }];
  const opts = { ...defaultDecisionOptions(), maxPathsEbgp: multipath ? 64 : 1, multipathRelax: multipath };
  const table = new RibTable(4, store, sources, opts);
  const d = table.ensure4(0x0a000000, 8);
  for (let i = 0; i < paths; i++) {
    sources.push({ kind: SourceKind.EBGP, routerId: 0x0a000001 + i, addrKey: BigInt(0x0a000001 + i), peerAs: 65001 + (i % 4), weight: 0 });
    const id = store.acquire({ ...emptyAttrs(), origin: 0, asPath: [{ type: 2, asns: [65001 + (i % 4), 65100] }], nextHop: 0x0a000001 + i, med: i % 3 });
    store.ref(id);
    table.setPath(d, i + 1, 0, id, id, 0);
  }
  table.process(() => {});
  const c0 = process.cpuUsage();
  for (let r = 0; r < rounds; r++) {
    table.markDirty(d);
    table.process(() => {});
  }
  return (cpuMs(c0) * 1000) / rounds;
}
