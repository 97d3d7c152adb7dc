// The LB-IPAM rules as a table, in the manner of cilium's operator/pkg/lbipam tests: each case
// applies pools and services (or deletes them, or restarts the operator) and states the outcome
// users see — ingress IPs, the IPAMRequestSatisfied condition, pool counts and conflicts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CiliumLoadBalancerIPPool, Service } from '../../k8s/types.ts';
import { POOL_CONFLICT, POOL_IPS_TOTAL } from './conditions.ts';
import type { LBIPAMOptions } from './service.ts';
import { EngineFixture, mkPool, mkSvc } from './testkit.ts';

type Step =
  | ['pool', CiliumLoadBalancerIPPool]
  | ['svc', Service]
  | ['delPool', string]
  | ['delSvc', string]
  | ['restart']
  | ['tick', number]
  | ['resetWrites'];

interface Case {
  name: string;
  opts?: Partial<LBIPAMOptions>;
  steps: Step[];
  /** Per service key: its ingress IPs and condition (`status/reason: message`; undefined = none). */
  svcs?: Record<string, [string[], string | undefined]>;
  /** Per pool: `available/total/used`, and the conflict condition (`False` or `True: message`). */
  pools?: Record<string, { counts?: string; conflict?: string | undefined }>;
  logs?: RegExp[];
  /** Status writes since the last resetWrites step. */
  writes?: string[];
  check?: (f: EngineFixture) => void;
}

const pool = (...a: Parameters<typeof mkPool>): Step => ['pool', mkPool(...a)];
const svc = (...a: Parameters<typeof mkSvc>): Step => ['svc', mkSvc(...a)];
const svcWithStatus = (name: string, ips: string[], o: Parameters<typeof mkSvc>[1] = {}): Step => {
  return ['svc', { ...mkSvc(name, o), status: { loadBalancer: { ingress: ips.map((ip) => ({ ip, ipMode: 'VIP' })) } } }];
};
const delPool = (name: string): Step => ['delPool', name];
const delSvc = (key: string): Step => ['delSvc', key];
const ok = 'True/satisfied';
const NO_POOL = 'False/no_pool: There are no enabled CiliumLoadBalancerIPPools that match this service';
const OUT_OF_IPS = 'False/out_of_ips: All enabled CiliumLoadBalancerIPPools that match this service ran out of allocatable IPs';
const incompatible = (ip: string, why: string) =>
  `False/already_allocated_incompatible_service: The IP '${ip}' is already allocated to an incompatible service. Reason: ${why}`;
const conflictMsg = (r: string, other: string, pool: string) =>
  `True: Pool conflicts since range '${r}' overlaps range '${other}' from IP Pool '${pool}'`;
const red = { matchLabels: { color: 'red' } };
const SHARE = 'lbipam.cilium.io/sharing-key';
const CROSS = 'lbipam.cilium.io/sharing-cross-namespace';
const IPS = 'lbipam.cilium.io/ips';
const dual: Partial<LBIPAMOptions> = { ipv6Enabled: true };

const cases: Case[] = [
  // ---- allocation basics, counts -----------------------------------------------------------
  {
    name: 'hands out the network address first (allowFirstLastIPs unset = Yes)',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1')],
    svcs: { 'default/s1': [['10.0.10.0'], ok] },
    pools: { a: { counts: '255/256/1', conflict: 'False' } },
  },
  {
    name: 'allowFirstLastIPs No reserves first and last, which count as used (seed 001)',
    steps: [pool('cilium-pool', ['172.16.1.0/24'], { allowFirstLastIPs: 'No' })],
    pools: { 'cilium-pool': { counts: '254/256/2' } },
  },
  {
    name: 'allowFirstLastIPs No: the first service gets .1 (seed 001)',
    steps: [pool('cilium-pool', ['172.16.1.0/24'], { allowFirstLastIPs: 'No' }), svc('webpod')],
    svcs: { 'default/webpod': [['172.16.1.1'], ok] },
    pools: { 'cilium-pool': { counts: '253/256/3' } },
  },
  {
    name: 'allowFirstLastIPs No never reserves in a /32, nor in start/stop blocks',
    steps: [pool('a', ['10.0.10.7/32', '10.0.20.0-10.0.20.9'], { allowFirstLastIPs: 'No' })],
    pools: { a: { counts: '11/11/0' } },
  },
  {
    name: 'a start/stop pool of five (seed 002)',
    steps: [pool('cilium-lb-ippool', ['192.168.10.211-192.168.10.215']), svc('webpod'), svc('netshoot-web')],
    svcs: { 'default/webpod': [['192.168.10.211'], ok], 'default/netshoot-web': [['192.168.10.212'], ok] },
    pools: { 'cilium-lb-ippool': { counts: '3/5/2' } },
  },
  {
    name: 'counts span all blocks of a pool (spec §1.2 example)',
    steps: [pool('a', ['10.0.10.0/24', '2004::0/112', '20.0.20.100-20.0.20.200'])],
    pools: { a: { counts: '65893/65893/0' } },
  },
  {
    name: 'a freed hole is reused before untouched space',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1'), svc('s2'), svc('s3'), delSvc('default/s2'), svc('s4')],
    svcs: { 'default/s4': [['10.0.10.1'], ok], 'default/s3': [['10.0.10.2'], ok] },
  },
  // ---- selectors ---------------------------------------------------------------------------
  {
    name: 'serviceSelector matchLabels picks the services of a pool',
    steps: [pool('a', ['10.0.10.0/24'], { selector: red }), svc('r', { labels: { color: 'red' } }), svc('b', { labels: { color: 'blue' } })],
    svcs: { 'default/r': [['10.0.10.0'], ok], 'default/b': [[], NO_POOL] },
  },
  {
    name: 'io.kubernetes.service.namespace selects by namespace; a forged label does not help',
    steps: [
      pool('a', ['10.0.10.0/24'], { selector: { matchLabels: { 'io.kubernetes.service.namespace': 'tenant-one' } } }),
      svc('red', { ns: 'tenant-one' }),
      svc('blue', { ns: 'tenant-two', labels: { 'io.kubernetes.service.namespace': 'tenant-one' } }),
    ],
    svcs: { 'tenant-one/red': [['10.0.10.0'], ok], 'tenant-two/blue': [[], NO_POOL] },
  },
  {
    name: 'io.kubernetes.service.name selects by name',
    steps: [pool('a', ['10.0.10.0/24'], { selector: { matchLabels: { 'io.kubernetes.service.name': 'web' } } }), svc('web'), svc('other')],
    svcs: { 'default/web': [['10.0.10.0'], ok], 'default/other': [[], NO_POOL] },
  },
  {
    name: 'matchExpressions NotIn also matches services without the label',
    steps: [
      pool('a', ['10.0.10.0/24'], { selector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] } }),
      svc('dev', { labels: { env: 'dev' } }),
      svc('prod', { labels: { env: 'prod' } }),
      svc('plain'),
    ],
    svcs: { 'default/dev': [['10.0.10.0'], ok], 'default/prod': [[], NO_POOL], 'default/plain': [['10.0.10.1'], ok] },
  },
  {
    name: 'an empty selector matches every service',
    steps: [pool('a', ['10.0.10.0/24'], { selector: {} }), svc('s1', { labels: { any: 'thing' } })],
    svcs: { 'default/s1': [['10.0.10.0'], ok] },
  },
  {
    name: 'a service relabelled out of the selector loses its IP',
    steps: [pool('a', ['10.0.10.0/24'], { selector: red }), svc('s', { labels: { color: 'red' } }), svc('s', { labels: { color: 'blue' } })],
    svcs: { 'default/s': [[], NO_POOL] },
    pools: { a: { counts: '256/256/0' } },
  },
  {
    name: 'changing a pool selector re-evaluates the services',
    steps: [
      pool('a', ['10.0.10.0/24'], { selector: red }),
      svc('r', { labels: { color: 'red' } }),
      svc('b', { labels: { color: 'blue' } }),
      pool('a', ['10.0.10.0/24'], { selector: { matchLabels: { color: 'blue' } } }),
    ],
    svcs: { 'default/r': [[], NO_POOL], 'default/b': [['10.0.10.0'], ok] },
  },
  // ---- conflicts ---------------------------------------------------------------------------
  {
    name: 'overlapping pools: the newer one conflicts and all its blocks stop allocating',
    steps: [
      pool('a', ['10.0.10.0/24'], { selector: { matchLabels: { team: 'a' } }, created: 0 }),
      pool('b', ['10.0.10.128/25', '10.0.20.0/24'], { created: 10 }),
      svc('x'),
    ],
    svcs: { 'default/x': [[], NO_POOL] },
    pools: {
      a: { conflict: 'False' },
      b: { conflict: conflictMsg('10.0.10.128 - 10.0.10.255', '10.0.10.0 - 10.0.10.255', 'a'), counts: '384/384/0' },
    },
  },
  {
    name: 'an internal overlap makes a pool conflict with itself',
    steps: [pool('a', ['10.0.10.0/24', '10.0.10.64/28']), svc('s1')],
    svcs: { 'default/s1': [[], NO_POOL] },
    pools: { a: { conflict: conflictMsg('10.0.10.0 - 10.0.10.255', '10.0.10.64 - 10.0.10.79', 'a') } },
  },
  {
    name: 'editing the overlap away resolves the conflict and serves waiting services',
    steps: [
      pool('a', ['10.0.10.0/24'], { selector: { matchLabels: { team: 'a' } }, created: 0 }),
      pool('b', ['10.0.10.128/25', '10.0.20.0/24'], { created: 10 }),
      svc('x'),
      pool('b', ['10.0.20.0/24']),
    ],
    svcs: { 'default/x': [['10.0.20.0'], ok] },
    pools: { b: { conflict: 'False' } },
  },
  {
    name: 'deleting the older pool un-conflicts the newer one, which takes over',
    steps: [pool('a', ['10.0.10.0/24'], { created: 0 }), pool('b', ['10.0.10.0/25'], { created: 10 }), svc('s1'), delPool('a')],
    svcs: { 'default/s1': [['10.0.10.0'], ok] },
    pools: { b: { conflict: 'False', counts: '127/128/1' } },
  },
  {
    name: 'a conflicting pool keeps its allocations and the overlapped address is not handed out twice',
    steps: [
      pool('a', ['10.0.10.0/31'], { selector: { matchLabels: { team: 'a' } }, created: 0 }),
      pool('b', ['10.0.20.0/30'], { selector: { matchLabels: { team: 'b' } }, created: 10 }),
      svc('a1', { labels: { team: 'a' } }),
      svc('a2', { labels: { team: 'a' } }),
      svc('b1', { labels: { team: 'b' } }),
      pool('a', ['10.0.10.0/31', '10.0.20.0/30'], { selector: { matchLabels: { team: 'a' } } }),
      svc('a3', { labels: { team: 'a' } }),
    ],
    svcs: { 'default/b1': [['10.0.20.0'], ok], 'default/a3': [['10.0.20.1'], ok] },
    pools: { b: { conflict: conflictMsg('10.0.20.0 - 10.0.20.3', '10.0.20.0 - 10.0.20.3', 'a') }, a: { counts: '2/6/4' } },
  },
  {
    name: 'pools created in the same second: the one seen first wins',
    steps: [pool('a', ['10.0.10.0/24'], { created: 0 }), pool('b', ['10.0.10.0/24'], { created: 0 })],
    pools: { a: { conflict: 'False' }, b: { conflict: conflictMsg('10.0.10.0 - 10.0.10.255', '10.0.10.0 - 10.0.10.255', 'a') } },
  },
  // ---- sharing -----------------------------------------------------------------------------
  {
    name: 'a sharing key lets services with different ports share one IP',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1', { annotations: { [SHARE]: 'k' } }), svc('s2', { annotations: { [SHARE]: 'k' }, ports: [443] })],
    svcs: { 'default/s1': [['10.0.10.0'], ok], 'default/s2': [['10.0.10.0'], ok] },
    pools: { a: { counts: '255/256/1' } },
  },
  {
    name: 'a colliding port makes the second service take the next IP',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1', { annotations: { [SHARE]: 'k' } }), svc('s2', { annotations: { [SHARE]: 'k' } })],
    svcs: { 'default/s2': [['10.0.10.1'], ok] },
  },
  {
    name: 'different sharing keys never share',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1', { annotations: { [SHARE]: 'k1' } }), svc('s2', { annotations: { [SHARE]: 'k2' }, ports: [443] })],
    svcs: { 'default/s1': [['10.0.10.0'], ok], 'default/s2': [['10.0.10.1'], ok] },
  },
  {
    name: 'requesting a shared IP with a colliding port is refused with the reason',
    steps: [
      pool('a', ['10.0.10.0/24']),
      svc('s1', { annotations: { [SHARE]: 'k', [IPS]: '10.0.10.5' } }),
      svc('s2', { annotations: { [SHARE]: 'k', [IPS]: '10.0.10.5' } }),
    ],
    svcs: { 'default/s1': [['10.0.10.5'], ok], 'default/s2': [[], incompatible('10.0.10.5', 'same port')] },
  },
  {
    name: 'cross-namespace sharing needs permission on both sides',
    steps: [
      pool('a', ['10.0.10.0/24']),
      svc('s1', { ns: 'a', annotations: { [SHARE]: 'k', [CROSS]: 'b' } }),
      svc('s2', { ns: 'b', annotations: { [SHARE]: 'k', [IPS]: '10.0.10.0' }, ports: [443] }),
    ],
    svcs: { 'b/s2': [[], incompatible('10.0.10.0', 'different and not permitted namespace')] },
  },
  {
    name: 'cross-namespace sharing permitted on both sides',
    steps: [
      pool('a', ['10.0.10.0/24']),
      svc('s1', { ns: 'a', annotations: { [SHARE]: 'k', [CROSS]: 'b' } }),
      svc('s2', { ns: 'b', annotations: { [SHARE]: 'k', [CROSS]: 'a' }, ports: [443] }),
    ],
    svcs: { 'a/s1': [['10.0.10.0'], ok], 'b/s2': [['10.0.10.0'], ok] },
  },
  {
    name: 'cross-namespace wildcard on both sides',
    steps: [
      pool('a', ['10.0.10.0/24']),
      svc('s1', { ns: 'a', annotations: { [SHARE]: 'k', [CROSS]: '*' } }),
      svc('s2', { ns: 'b', annotations: { [SHARE]: 'k', [CROSS]: '*' }, ports: [443] }),
    ],
    svcs: { 'b/s2': [['10.0.10.0'], ok] },
  },
  {
    name: 'the cross-namespace list is not trimmed',
    steps: [
      pool('a', ['10.0.10.0/24']),
      svc('s1', { ns: 'a', annotations: { [SHARE]: 'k', [CROSS]: 'x, b' } }),
      svc('s2', { ns: 'b', annotations: { [SHARE]: 'k', [CROSS]: 'a' }, ports: [443] }),
    ],
    svcs: { 'a/s1': [['10.0.10.0'], ok], 'b/s2': [['10.0.10.1'], ok] },
  },
  {
    name: 'without bpf-lb-proto-diff a port number collides across protocols',
    steps: [
      pool('a', ['10.0.10.0/24']),
      svc('dns-udp', { annotations: { [SHARE]: 'k' }, ports: ['53/UDP'] }),
      svc('dns-tcp', { annotations: { [SHARE]: 'k', [IPS]: '10.0.10.0' }, ports: ['53/TCP'] }),
    ],
    svcs: { 'default/dns-tcp': [[], incompatible('10.0.10.0', 'same port')] },
  },
  {
    name: 'with bpf-lb-proto-diff only port and protocol together collide',
    opts: { protocolDifferentiation: true },
    steps: [
      pool('a', ['10.0.10.0/24']),
      svc('dns-udp', { annotations: { [SHARE]: 'k' }, ports: ['53/UDP'] }),
      svc('dns-tcp', { annotations: { [SHARE]: 'k' }, ports: ['53/TCP'] }),
      svc('dns-udp2', { annotations: { [SHARE]: 'k', [IPS]: '10.0.10.0' }, ports: ['53/UDP'] }),
    ],
    svcs: {
      'default/dns-tcp': [['10.0.10.0'], ok],
      'default/dns-udp2': [[], incompatible('10.0.10.0', 'same port and protocol')],
    },
  },
  {
    name: 'different externalTrafficPolicy refuses to share',
    steps: [
      pool('a', ['10.0.10.0/24']),
      svc('s1', { annotations: { [SHARE]: 'k' }, etp: 'Local' }),
      svc('s2', { annotations: { [SHARE]: 'k', [IPS]: '10.0.10.0' }, ports: [443] }),
    ],
    svcs: { 'default/s2': [[], incompatible('10.0.10.0', 'different ExternalTrafficPolicy')] },
  },
  {
    name: 'externalTrafficPolicy Local shares only between identical pod selectors',
    steps: [
      pool('a', ['10.0.10.0/24']),
      svc('s1', { annotations: { [SHARE]: 'k' }, etp: 'Local', selector: { app: 'a' } }),
      svc('s2', { annotations: { [SHARE]: 'k', [IPS]: '10.0.10.0' }, etp: 'Local', selector: { app: 'b' }, ports: [443] }),
      svc('s3', { annotations: { [SHARE]: 'k' }, etp: 'Local', selector: { app: 'a' }, ports: [8080] }),
    ],
    svcs: {
      'default/s2': [[], incompatible('10.0.10.0', 'compatible ExternalTrafficPolicy local but selecting different set of pods')],
      'default/s3': [['10.0.10.0'], ok],
    },
  },
  {
    name: "requested IP plus sharing key on both services share it (seed 002's netshoot-web2)",
    steps: [
      pool('cilium-lb-ippool', ['192.168.10.211-192.168.10.215']),
      svc('webpod'),
      svc('netshoot-web', { labels: { app: 'netshoot-web' } }),
      svc('netshoot-web', { labels: { app: 'netshoot-web' }, annotations: { [IPS]: '192.168.10.215' } }),
      svc('netshoot-web2', { labels: { app: 'netshoot-web' }, ports: [8080] }),
      ['tick', 60],
      svc('netshoot-web', { labels: { app: 'netshoot-web' }, annotations: { [IPS]: '192.168.10.215', [SHARE]: '1234' } }),
      svc('netshoot-web2', { labels: { app: 'netshoot-web' }, ports: [8080], annotations: { [IPS]: '192.168.10.215', [SHARE]: '1234' } }),
    ],
    svcs: { 'default/netshoot-web': [['192.168.10.215'], ok], 'default/netshoot-web2': [['192.168.10.215'], ok] },
    pools: { 'cilium-lb-ippool': { counts: '3/5/2' } },
  },
  {
    name: 'seed 002: netshoot-web2 lands on the hole .212 left by the move to .215',
    steps: [
      pool('cilium-lb-ippool', ['192.168.10.211-192.168.10.215']),
      svc('webpod'),
      svc('netshoot-web'),
      svc('netshoot-web', { annotations: { [IPS]: '192.168.10.215' } }),
      svc('netshoot-web2', { ports: [8080] }),
    ],
    svcs: { 'default/netshoot-web': [['192.168.10.215'], ok], 'default/netshoot-web2': [['192.168.10.212'], ok] },
  },
  {
    name: 'requesting a taken IP with a key the holder lacks: different sharing key',
    steps: [
      pool('a', ['10.0.10.0/24']),
      svc('s1', { annotations: { [IPS]: '10.0.10.5' } }),
      svc('s2', { annotations: { [IPS]: '10.0.10.5', [SHARE]: '1234' }, ports: [8080] }),
    ],
    svcs: { 'default/s2': [[], incompatible('10.0.10.5', 'different sharing key')] },
  },
  {
    name: 'requesting a taken IP without a sharing key: already_allocated',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1', { annotations: { [IPS]: '10.0.10.5' } }), svc('s2', { lbIP: '10.0.10.5', ports: [8080] })],
    svcs: { 'default/s2': [[], "False/already_allocated: The IP '10.0.10.5' is already allocated to another service"] },
  },
  {
    name: 'a shared IP is freed only when its last service goes',
    steps: [
      pool('a', ['10.0.10.0/24']),
      svc('s1', { annotations: { [SHARE]: 'k' } }),
      svc('s2', { annotations: { [SHARE]: 'k' }, ports: [443] }),
      delSvc('default/s1'),
    ],
    svcs: { 'default/s2': [['10.0.10.0'], ok] },
    pools: { a: { counts: '255/256/1' } },
  },
  {
    name: 'a sharing-key service may join a reserved first address; one without may not (quirk)',
    steps: [
      pool('a', ['10.0.10.0/24'], { allowFirstLastIPs: 'No' }),
      svc('s1', { annotations: { [SHARE]: 'k', [IPS]: '10.0.10.0' } }),
      svc('s2', { annotations: { [IPS]: '10.0.10.255' } }),
    ],
    svcs: {
      'default/s1': [['10.0.10.0'], ok],
      'default/s2': [[], "False/already_allocated: The IP '10.0.10.255' is already allocated to another service"],
    },
  },
  // ---- IP families -------------------------------------------------------------------------
  {
    name: 'dual stack: PreferDualStack gets one IP of each family (seed 004)',
    opts: dual,
    steps: [
      pool('empire-ip-pool', ['172.18.255.200/29', '2001:db8:dead:beef::0/64'], { selector: { matchLabels: { org: 'empire' } } }),
      svc('deathstar', { ns: 'batuu', labels: { org: 'empire' }, policy: 'PreferDualStack' }),
    ],
    svcs: { 'batuu/deathstar': [['172.18.255.200', '2001:db8:dead:beef::'], ok] },
    pools: { 'empire-ip-pool': { counts: '18446744073709551622/18446744073709551624/2' } },
  },
  {
    name: 'SingleStack with ipFamilies [IPv6] asks for IPv6 even when the cluster has no IPv6',
    steps: [pool('a', ['10.0.10.0/24', 'ff::/120']), svc('s1', { policy: 'SingleStack', families: ['IPv6'] })],
    svcs: { 'default/s1': [['ff::'], ok] },
  },
  {
    name: 'RequireDualStack on a single-stack cluster is satisfied with one IP',
    steps: [pool('a', ['10.0.10.0/24', 'ff::/120']), svc('s1', { policy: 'RequireDualStack' })],
    svcs: { 'default/s1': [['10.0.10.0'], ok] },
  },
  {
    name: 'PreferDualStack listing only a disabled family asks for nothing: no IP, no condition',
    steps: [pool('a', ['10.0.10.0/24', 'ff::/120']), svc('s1', { policy: 'PreferDualStack', families: ['IPv6'] })],
    svcs: { 'default/s1': [[], undefined] },
  },
  {
    name: 'switching the family releases the old IP and allocates the new one',
    opts: dual,
    steps: [
      pool('a', ['10.0.10.0/24', 'ff::/120']),
      svc('s1', { policy: 'SingleStack', families: ['IPv4'] }),
      svc('s1', { policy: 'SingleStack', families: ['IPv6'] }),
    ],
    svcs: { 'default/s1': [['ff::'], ok] },
    pools: { a: { counts: '511/512/1' } },
  },
  {
    name: 'dual stack with the IPv6 block full keeps the IPv4 and reports out_of_ips',
    opts: dual,
    steps: [pool('a', ['10.0.10.0/24', 'ff::1/128']), svc('s1', { policy: 'PreferDualStack' }), svc('s2', { policy: 'PreferDualStack' })],
    svcs: { 'default/s1': [['10.0.10.0', 'ff::1'], ok], 'default/s2': [['10.0.10.1'], OUT_OF_IPS] },
  },
  // ---- requested IPs -----------------------------------------------------------------------
  {
    name: 'spec.loadBalancerIP requests an IP',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1', { lbIP: '10.0.10.20' })],
    svcs: { 'default/s1': [['10.0.10.20'], ok] },
  },
  {
    name: 'the ips annotation is a trimmed, ordered list',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1', { annotations: { [IPS]: '10.0.10.7, 10.0.10.3' } })],
    svcs: { 'default/s1': [['10.0.10.7', '10.0.10.3'], ok] },
  },
  {
    name: 'the legacy io.cilium/lb-ipam-ips annotation',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1', { annotations: { 'io.cilium/lb-ipam-ips': '10.0.10.9' } })],
    svcs: { 'default/s1': [['10.0.10.9'], ok] },
  },
  {
    name: 'the new annotation key, even empty, shadows the legacy one',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1', { annotations: { [IPS]: '', 'io.cilium/lb-ipam-ips': '10.0.10.9' } })],
    svcs: { 'default/s1': [['10.0.10.0'], ok] },
  },
  {
    name: 'a requested IP outside every pool: no_pool naming the IP',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1', { annotations: { [IPS]: '192.0.2.1' } })],
    svcs: { 'default/s1': [[], "False/no_pool: No pool exists with a CIDR containing '192.0.2.1'"] },
  },
  {
    name: 'a requested IP in a pool that does not select the service',
    steps: [pool('a', ['10.0.10.0/24'], { selector: red }), svc('s1', { annotations: { [IPS]: '10.0.10.5' } })],
    svcs: { 'default/s1': [[], "False/pool_selector_mismatch: The pool with the CIDR containing '10.0.10.5', doesn't select this service"] },
  },
  {
    name: 'an unparsable requested IP is skipped (and logged), leaving a generic request',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1', { annotations: { [IPS]: '10.0.10.300' } })],
    svcs: { 'default/s1': [['10.0.10.0'], ok] },
    logs: [/Service default\/s1: ignoring requested IPs that do not parse: "10\.0\.10\.300"/],
  },
  {
    name: 'a partly satisfiable request keeps what it got',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1', { annotations: { [IPS]: '10.0.10.5,192.0.2.1' } })],
    svcs: { 'default/s1': [['10.0.10.5'], "False/no_pool: No pool exists with a CIDR containing '192.0.2.1'"] },
  },
  {
    name: 'changing the request moves the service and frees the old IP',
    steps: [pool('a', ['10.0.10.0/30']), svc('s1'), svc('s1', { annotations: { [IPS]: '10.0.10.3' } }), svc('s2')],
    svcs: { 'default/s1': [['10.0.10.3'], ok], 'default/s2': [['10.0.10.0'], ok] },
  },
  // ---- disable, delete, lifecycle ----------------------------------------------------------
  {
    name: 'a disabled pool gives nothing new but keeps existing allocations',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1'), pool('a', ['10.0.10.0/24'], { disabled: true }), svc('s2'), svc('s3', { lbIP: '10.0.10.9' })],
    svcs: {
      'default/s1': [['10.0.10.0'], ok],
      'default/s2': [[], NO_POOL],
      'default/s3': [[], "False/no_pool: No pool exists with a CIDR containing '10.0.10.9'"],
    },
  },
  {
    name: 're-enabling a pool serves the services that waited',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1'), pool('a', ['10.0.10.0/24'], { disabled: true }), svc('s2'), pool('a', ['10.0.10.0/24'])],
    svcs: { 'default/s2': [['10.0.10.1'], ok] },
  },
  {
    name: 'deleting a pool moves its services to another matching pool',
    steps: [pool('a', ['10.0.10.0/24']), pool('b', ['10.0.20.0/24']), svc('s1'), delPool('a')],
    svcs: { 'default/s1': [['10.0.20.0'], ok] },
  },
  {
    name: 'deleting the last pool strips IPs and goes dormant until the next pool',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1'), delPool('a'), svc('s2'), pool('b', ['10.0.30.0/24'])],
    svcs: { 'default/s1': [['10.0.30.0'], ok], 'default/s2': [['10.0.30.1'], ok] },
  },
  {
    name: 'while dormant nothing is written to services',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1'), delPool('a'), svc('s2')],
    svcs: { 'default/s1': [[], NO_POOL], 'default/s2': [[], undefined] },
    check: (f) => assert.equal(f.engine.dormant, true),
  },
  {
    name: 'deleting a service hands its IP to one that ran out',
    steps: [pool('a', ['10.0.10.0/31']), svc('s1'), svc('s2'), svc('s3'), delSvc('default/s1')],
    svcs: { 'default/s3': [['10.0.10.0'], ok] },
  },
  {
    name: 'pool exhausted: out_of_ips',
    steps: [pool('a', ['10.0.10.0/31']), svc('s1'), svc('s2'), svc('s3')],
    svcs: { 'default/s3': [[], OUT_OF_IPS] },
    pools: { a: { counts: '0/2/2' } },
  },
  {
    name: 'a service switched away from LoadBalancer loses its IPs and the condition',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1'), svc('s1', { type: 'ClusterIP' })],
    svcs: { 'default/s1': [[], undefined] },
    pools: { a: { counts: '256/256/0' } },
  },
  {
    name: 'a foreign loadBalancerClass is ignored entirely',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1', { lbClass: 'example.com/lb' })],
    svcs: { 'default/s1': [[], undefined] },
  },
  {
    name: 'io.cilium/l2-announcer is handled when L2 announcements are enabled',
    opts: { l2AnnouncementsEnabled: true },
    steps: [pool('a', ['10.0.10.0/24']), svc('s1', { lbClass: 'io.cilium/l2-announcer' })],
    svcs: { 'default/s1': [['10.0.10.0'], ok] },
  },
  {
    name: 'io.cilium/l2-announcer is ignored without L2 announcements',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1', { lbClass: 'io.cilium/l2-announcer' })],
    svcs: { 'default/s1': [[], undefined] },
  },
  {
    name: 'io.cilium/bgp-control-plane is handled when the BGP control plane is enabled',
    opts: { bgpControlPlaneEnabled: true },
    steps: [pool('a', ['10.0.10.0/24']), svc('s1', { lbClass: 'io.cilium/bgp-control-plane' }), svc('s2', { lbClass: 'io.cilium/l2-announcer' })],
    svcs: { 'default/s1': [['10.0.10.0'], ok], 'default/s2': [[], undefined] },
  },
  {
    name: 'default-lb-service-ipam other than lbipam leaves class-less services alone',
    opts: { defaultLBServiceIPAM: 'nodeipam' },
    steps: [pool('a', ['10.0.10.0/24']), svc('s1')],
    svcs: { 'default/s1': [[], undefined] },
  },
  {
    name: 'removing a block moves only the services that had IPs in it',
    steps: [
      pool('a', ['10.0.10.0/31', '10.0.20.0/31']),
      svc('s1'),
      svc('s2'),
      svc('s3'),
      pool('a', ['10.0.10.0/31', '10.0.30.0/31']),
    ],
    svcs: { 'default/s1': [['10.0.10.0'], ok], 'default/s2': [['10.0.10.1'], ok], 'default/s3': [['10.0.30.0'], ok] },
  },
  {
    name: 'widening a block keeps every IP',
    steps: [pool('a', ['10.0.10.0/25']), svc('s1'), svc('s2', { lbIP: '10.0.10.100' }), pool('a', ['10.0.10.0/24'])],
    svcs: { 'default/s1': [['10.0.10.0'], ok], 'default/s2': [['10.0.10.100'], ok] },
    pools: { a: { counts: '254/256/2' } },
  },
  {
    name: 'allowFirstLastIPs Yes→No reserves only free ends, No→Yes frees them again',
    steps: [
      pool('a', ['10.0.10.0/24']),
      svc('s1'),
      pool('a', ['10.0.10.0/24'], { allowFirstLastIPs: 'No' }),
      svc('s2'),
      pool('a', ['10.0.10.0/24'], { allowFirstLastIPs: 'Yes' }),
    ],
    svcs: { 'default/s1': [['10.0.10.0'], ok], 'default/s2': [['10.0.10.1'], ok] },
    pools: { a: { counts: '254/256/2' } },
  },
  {
    name: 'observedGeneration: counts follow the pool generation, PoolConflict keeps its own',
    steps: [pool('a', ['10.0.10.0/24']), pool('a', ['10.0.10.0/24', '10.0.20.0/24'])],
    check: (f) => {
      assert.equal(f.poolCond('a', POOL_IPS_TOTAL)?.observedGeneration, 2);
      assert.equal(f.poolCond('a', POOL_CONFLICT)?.observedGeneration, 1);
    },
  },
  // ---- restart -----------------------------------------------------------------------------
  {
    name: 'a restart adopts every IP and writes nothing',
    steps: [
      pool('a', ['10.0.10.0/24']),
      svc('s1'),
      svc('s2', { lbIP: '10.0.10.20' }),
      svc('s3', { annotations: { [SHARE]: 'k' } }),
      svc('s4', { annotations: { [SHARE]: 'k' }, ports: [443] }),
      ['resetWrites'],
      ['restart'],
    ],
    writes: [],
    svcs: { 'default/s3': [['10.0.10.1'], ok], 'default/s4': [['10.0.10.1'], ok] },
  },
  {
    name: 'after a restart new allocations avoid adopted IPs, and sharing keys still work',
    steps: [
      pool('a', ['10.0.10.0/24']),
      svc('s1'),
      svc('s2', { annotations: { [SHARE]: 'k' } }),
      ['restart'],
      svc('s3'),
      svc('s4', { annotations: { [SHARE]: 'k' }, ports: [443] }),
    ],
    svcs: { 'default/s3': [['10.0.10.2'], ok], 'default/s4': [['10.0.10.1'], ok] },
  },
  {
    name: 'a restart keeps every sharing service on its own IP, whatever order the key index takes',
    steps: [
      pool('a', ['10.0.10.0/24']),
      svc('s1', { annotations: { [SHARE]: 'k' } }),
      ['tick', 1],
      svc('s2', { annotations: { [SHARE]: 'k' } }),
      ['tick', 1],
      svc('s3', { annotations: { [SHARE]: 'k' }, ports: [443] }),
      delSvc('default/s1'),
      ['tick', 1],
      svc('s5', { annotations: { [SHARE]: 'k' }, ports: [8080] }),
      ['resetWrites'],
      ['restart'],
    ],
    writes: [],
    svcs: { 'default/s2': [['10.0.10.1'], ok], 'default/s3': [['10.0.10.0'], ok], 'default/s5': [['10.0.10.0'], ok] },
  },
  {
    name: 'a restart strips IPs of a disabled pool (they cannot be re-imported)',
    steps: [pool('a', ['10.0.10.0/24']), pool('b', ['10.0.20.0/24']), svc('s1'), pool('a', ['10.0.10.0/24'], { disabled: true }), ['restart']],
    svcs: { 'default/s1': [['10.0.20.0'], ok] },
  },
  {
    name: 'an ingress IP that lies in no pool is replaced',
    steps: [svcWithStatus('s1', ['192.168.1.12']), pool('a', ['10.0.10.0/24'])],
    svcs: { 'default/s1': [['10.0.10.0'], ok] },
  },
  {
    name: 'two services claiming one IP: the older keeps it, the other gets a new one',
    steps: [svcWithStatus('s1', ['10.0.10.7']), ['tick', 1], svcWithStatus('s2', ['10.0.10.7']), pool('a', ['10.0.10.0/24'])],
    svcs: { 'default/s1': [['10.0.10.7'], undefined], 'default/s2': [['10.0.10.0'], ok] },
  },
  {
    name: 'a duplicated ingress entry is collapsed',
    steps: [svcWithStatus('s1', ['10.0.10.7', '10.0.10.7']), pool('a', ['10.0.10.0/24'])],
    svcs: { 'default/s1': [['10.0.10.7'], undefined] },
  },
  // ---- bad input ---------------------------------------------------------------------------
  {
    name: 'a pool with start after stop is ignored and disturbs nothing',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1'), pool('bad', ['10.0.20.9-10.0.20.1'])],
    svcs: { 'default/s1': [['10.0.10.0'], ok] },
    pools: { a: { counts: '255/256/1' }, bad: { counts: '-/-/-', conflict: undefined } },
    logs: [/CiliumLoadBalancerIPPool\/bad: spec\.blocks\[0\]: start "10\.0\.20\.9" is after stop "10\.0\.20\.1"; pool ignored/],
  },
  {
    name: 'an invalid edit (mixed families) leaves the pool as it was',
    steps: [pool('a', ['10.0.10.0/24']), svc('s1'), pool('a', ['10.0.10.0/24', '10.0.20.0-fe::1']), svc('s2')],
    svcs: { 'default/s1': [['10.0.10.0'], ok], 'default/s2': [['10.0.10.1'], ok] },
    pools: { a: { counts: '254/256/2' } },
    logs: [/spec\.blocks\[1\]: start "10\.0\.20\.0" and stop "fe::1" are of different IP families/],
  },
  {
    name: 'only unusable pools keep LB-IPAM dormant',
    steps: [svc('s1'), pool('bad', ['nonsense'])],
    svcs: { 'default/s1': [[], undefined] },
    check: (f) => assert.equal(f.engine.dormant, true),
    logs: [/spec\.blocks\[0\]\.start: not an IP address \("nonsense"\)/],
  },
];

describe('LB-IPAM engine', () => {
  it('has a table of at least 40 cases', () => assert.ok(cases.length >= 40));
  for (const c of cases) {
    it(c.name, () => {
      const f = new EngineFixture(c.opts);
      for (const step of c.steps) {
        switch (step[0]) {
          case 'pool':
            f.applyPool(step[1]);
            break;
          case 'svc':
            f.applyService(step[1]);
            break;
          case 'delPool':
            f.deletePool(step[1]);
            break;
          case 'delSvc':
            f.deleteService(step[1]);
            break;
          case 'restart':
            f.restart();
            break;
          case 'tick':
            f.tick(step[1]);
            break;
          case 'resetWrites':
            f.resetWrites();
            break;
        }
      }
      for (const [key, [ips, cond]] of Object.entries(c.svcs ?? {})) {
        assert.deepEqual(f.ips(key), ips, `${key} ingress`);
        assert.equal(f.cond(key), cond, `${key} condition`);
      }
      for (const [name, want] of Object.entries(c.pools ?? {})) {
        if (want.counts !== undefined) assert.equal(f.counts(name), want.counts, `${name} counts`);
        if ('conflict' in want) assert.equal(f.conflict(name), want.conflict, `${name} conflict`);
      }
      for (const re of c.logs ?? []) assert.ok(f.logs.some((l) => re.test(l)), `log ${re} in ${JSON.stringify(f.logs)}`);
      if (c.writes) assert.deepEqual(f.writes, c.writes);
      c.check?.(f);
    });
  }
});
