import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../controller/rng.ts';
import { LBMaps, SCOPE_EXTERNAL, SVC_FLAG_EXTERNAL_IPS, SVC_FLAG_NODEPORT, SVC_FLAG_ROUTABLE } from '../maps/lb.ts';
import { parseAddrKey } from '../maps/lbaddr.ts';
import type { LBRuntime } from './select.ts';
import { type SockAddr, sockConnect, sockRelease, sockReverse, sockSendmsg } from './socket.ts';

const A = (s: string) => parseAddrKey(s)! as number;
const CIP = A('10.96.0.1');

function maps(backends: number): LBMaps {
  const m = new LBMaps();
  const slots = [];
  for (let i = 1; i <= backends; i++) {
    m.upsertBackend(i, { addr: A(`192.168.10.${99 + i}`), port: 6443, proto: 6, state: 0, clusterId: 0, zone: 0 });
    slots.push({ backendId: i, count: 0, qcount: 0, revNat: 13, flags: 0 });
  }
  m.upsertService({ addr: CIP, port: 443, proto: 6, scope: SCOPE_EXTERNAL }, [{ backendId: 0, count: backends, qcount: 0, revNat: 13, flags: 0 }, ...slots]);
  return m;
}

function rt(m: LBMaps): LBRuntime {
  const rng = new Rng('sock');
  return { maps: m, random: () => rng.uint32(), now: () => 0 };
}

const sock = (over: Partial<SockAddr> = {}): SockAddr => ({ cookie: 4120, netnsCookie: 4026531840, inHostNs: false, daddr: CIP, dport: 443, proto: 6, dstIsLocal: false, ...over });

test('connect() to a ClusterIP is rewritten to a backend and recorded for getpeername', () => {
  const r = rt(maps(1));
  const d = sockConnect(r, sock());
  assert.deepEqual(d, { kind: 'translate', addr: A('192.168.10.100'), port: 6443, backendId: 1, revNat: 13 });
  assert.deepEqual(sockReverse(r, 4120, 6, A('192.168.10.100'), 6443), { addr: CIP, port: 443 });
  sockRelease(r, 4120);
  assert.equal(r.maps.sockRevNat4.size, 0);
});

test('connect() to a service without backends fails with EHOSTUNREACH; sendmsg is left alone', () => {
  const r = rt(maps(0));
  assert.deepEqual(sockConnect(r, sock()), { kind: 'reject', errno: 'EHOSTUNREACH' });
  assert.deepEqual(sockSendmsg(r, sock({ proto: 6 })), { kind: 'pass' });
});

test('not a service, socket-LB off, or hostns-only for a pod socket: no translation', () => {
  const m = maps(1);
  assert.deepEqual(sockConnect(rt(m), sock({ dport: 80 })), { kind: 'pass' });
  m.config.socketLBHostnsOnly = true;
  assert.deepEqual(sockConnect(rt(m), sock()), { kind: 'pass' });
  assert.equal(sockConnect(rt(m), sock({ inHostNs: true })).kind, 'translate');
  m.config.socketLB = false;
  assert.deepEqual(sockConnect(rt(m), sock({ inHostNs: true })), { kind: 'pass' });
});

test('a stale reverse entry (service re-created with another ID) is dropped', () => {
  const r = rt(maps(1));
  sockConnect(r, sock());
  r.maps.services4.get(CIP, 443, 6, 0)!.values[0]!.revNat = 99;
  assert.equal(sockReverse(r, 4120, 6, A('192.168.10.100'), 6443), undefined);
  assert.equal(r.maps.sockRevNat4.size, 0);
});

test('NodePort on a local address through the 0.0.0.0 entry; external IPs only when local', () => {
  const m = new LBMaps();
  m.upsertBackend(1, { addr: A('172.20.0.5'), port: 80, proto: 6, state: 0, clusterId: 0, zone: 0 });
  m.upsertService({ addr: 0, port: 30080, proto: 6, scope: 0 }, [
    { backendId: 0, count: 1, qcount: 0, revNat: 2, flags: SVC_FLAG_NODEPORT },
    { backendId: 1, count: 0, qcount: 0, revNat: 2, flags: SVC_FLAG_NODEPORT },
  ]);
  m.upsertService({ addr: A('203.0.113.5'), port: 80, proto: 6, scope: 0 }, [
    { backendId: 0, count: 1, qcount: 0, revNat: 3, flags: SVC_FLAG_EXTERNAL_IPS | SVC_FLAG_ROUTABLE },
    { backendId: 1, count: 0, qcount: 0, revNat: 3, flags: SVC_FLAG_EXTERNAL_IPS | SVC_FLAG_ROUTABLE },
  ]);
  const r = rt(m);
  assert.equal(sockConnect(r, sock({ daddr: A('127.0.0.1'), dport: 30080, dstIsLocal: true })).kind, 'translate');
  assert.deepEqual(sockConnect(r, sock({ daddr: A('10.1.1.1'), dport: 30080 })), { kind: 'pass' });
  assert.deepEqual(sockConnect(r, sock({ daddr: A('203.0.113.5'), dport: 80 })), { kind: 'pass' });
  assert.equal(sockConnect(r, sock({ daddr: A('203.0.113.5'), dport: 80, dstIsLocal: true })).kind, 'translate');
});
