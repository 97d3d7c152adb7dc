// Per-connection service lookup + backend selection in the datapath (src/datapath/lb): 10,000
// ClusterIP services × 10 backends, new connections from random clients to random services.
// Usage: npm run bench -- lb-lookup
import { defaultLBConfig } from '../src/agent/loadbalancer/config.ts';
import { LBReconciler } from '../src/agent/loadbalancer/reconciler.ts';
import { Rng } from '../src/controller/rng.ts';
import { lookupService, selectBackend, type LBRuntime } from '../src/datapath/lb/select.ts';
import { LBMaps } from '../src/datapath/maps/lb.ts';

const SERVICES = 10000;
const svcAddr = (s: number) => (0x0a600000 + s) >>> 0; // 10.96.x.y
function build(config: Record<string, string>): LBMaps {
  const maps = new LBMaps();
  const r = new LBReconciler(maps, defaultLBConfig(config));
  for (let s = 0; s < SERVICES; s++) {
    const service = { name: `default/s${s}`, namespace: 'default', extTrafficLocal: false, intTrafficLocal: false, sessionAffinity: false, sessionAffinityTimeoutSec: 0, sourceRanges: [], sourceRangesDeny: false, healthCheckNodePort: 0, proxyDelegation: false, loopbackHostPort: false };
    const backends = Array.from({ length: 10 }, (_, b) => ({ address: { addr: (0xac140000 + s * 16 + b) >>> 0, port: 8080, proto: 6, scope: 0 }, nodeName: '', portNames: [], weight: 100, state: 0 as const }));
    // LoadBalancer-typed so that with maglev every frontend has a lookup table.
    r.reconcileService([{ params: { address: { addr: svcAddr(s), port: 80, proto: 6, scope: 0 }, type: 'LoadBalancer', portName: '', servicePort: 80 }, service, backends }], []);
  }
  return maps;
}

function measure(label: string, maps: LBMaps): void {
  const rng = new Rng('bench');
  const rt: LBRuntime = { maps, random: () => rng.uint32(), now: () => 0 };
  const N = 1024;
  const saddr = new Uint32Array(N);
  const sport = new Uint16Array(N);
  const daddr = new Uint32Array(N);
  for (let i = 0; i < N; i++) {
    saddr[i] = (0xc0a80a00 + (rng.uint32() & 0xff)) >>> 0;
    sport[i] = 32768 + (rng.uint32() & 0x7fff);
    daddr[i] = svcAddr(rng.int(SERVICES));
  }
  let sink = 0;
  const batch = () => {
    for (let i = 0; i < N; i++) {
      const svc = lookupService(maps, daddr[i]!, 80, 6, false)!;
      sink += selectBackend(rt, svc, { saddr: saddr[i]!, sport: sport[i]!, dport: 80, proto: 6 })!.backendId;
    }
  };
  for (let w = 0; w < 200; w++) batch();
  const per: number[] = [];
  for (let b = 0; b < 500; b++) {
    const t0 = process.hrtime.bigint();
    batch();
    per.push(Number(process.hrtime.bigint() - t0) / N);
  }
  per.sort((a, b) => a - b);
  console.log(`${label}: median ${per[per.length >> 1]!.toFixed(0)} ns per lookup+selection, p90 ${per[Math.floor(per.length * 0.9)]!.toFixed(0)} ns (target < 1000 ns) [${sink > 0 ? 'ok' : 'none'}]`);
}

measure('random', build({}));
measure('maglev (M=16381)', build({ 'bpf-lb-algorithm': 'maglev' }));
