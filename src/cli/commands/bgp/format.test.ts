// Layouts compared byte for byte with the seeds (001 week 5, 004) and cilium's printers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentPeersTable, agentRoutePoliciesTable, attrsText, clusterPeersTable, clusterRoutesTable, defaultRoutesArgs, parseRoutesArgs } from './format.ts';
import type { BgpPeer, BgpRoute, BgpRoutePolicy } from '../../../model/bgp.ts';

const MIN = 60_000;

function peer(uptimeMs: number, received = 4): BgpPeer {
  return { localAsn: 65001, peerAsn: 65000, peerAddress: '192.168.10.200', peerPort: 179, sessionState: 'established', uptimeMs, appliedHoldTimeSeconds: 9, appliedKeepAliveTimeSeconds: 3, families: [{ afi: 'ipv4', safi: 'unicast', received, accepted: 0, advertised: 2 }] };
}

function route(prefix: string, ageMs: number): BgpRoute {
  return { routerAsn: 65001, prefix, paths: [{ family: { afi: 'ipv4', safi: 'unicast' }, prefix, nextHop: '0.0.0.0', ageMs, best: true, attrs: [{ type: 'origin', value: 0 }, { type: 'nextHop', value: '0.0.0.0' }] }] };
}

describe('cilium bgp peers', () => {
  it('matches seed 001', () => {
    const t = 10 * MIN + 59_000;
    const out = clusterPeersTable([
      { node: 'k8s-w1', items: [peer(t)] },
      { node: 'k8s-ctr', items: [peer(t)] },
      { node: 'k8s-w0', items: [peer(t)] },
    ]);
    assert.equal(
      out,
      [
        'Node      Local AS   Peer AS   Peer Address     Session State   Uptime   Family         Received   Advertised',
        'k8s-ctr   65001      65000     192.168.10.200   established     10m59s   ipv4/unicast   4          2    ',
        'k8s-w0    65001      65000     192.168.10.200   established     10m59s   ipv4/unicast   4          2    ',
        'k8s-w1    65001      65000     192.168.10.200   established     10m59s   ipv4/unicast   4          2    ',
        '',
      ].join('\n'),
    );
  });

  it('matches seed 004: two families, the second under the first', () => {
    const p: BgpPeer = {
      localAsn: 65001,
      peerAsn: 65000,
      peerAddress: 'fd00:10:0:1::1',
      peerPort: 179,
      sessionState: 'established',
      uptimeMs: (73 * 60 + 41) * 1000,
      appliedHoldTimeSeconds: 90,
      appliedKeepAliveTimeSeconds: 30,
      families: [
        { afi: 'ipv4', safi: 'unicast', received: 3, accepted: 0, advertised: 1 },
        { afi: 'ipv6', safi: 'unicast', received: 3, accepted: 0, advertised: 1 },
      ],
    };
    const lines = clusterPeersTable([{ node: 'kind-control-plane', items: [p] }]).split('\n');
    assert.equal(lines[0], 'Node                 Local AS   Peer AS   Peer Address     Session State   Uptime     Family         Received   Advertised');
    assert.equal(lines[1]!.trimEnd(), 'kind-control-plane   65001      65000     fd00:10:0:1::1   established     1h13m41s   ipv4/unicast   3          1');
    assert.equal(lines[2]!.trimEnd(), '                                                                                      ipv6/unicast   3          1');
  });

  it('cilium-dbg shows ip:port and Session', () => {
    assert.equal(
      agentPeersTable([{ ...peer(0), sessionState: 'active' }]),
      'Local AS   Peer AS   Peer Address         Session   Uptime   Family         Received   Advertised\n65001      65000     192.168.10.200:179   active    0s       ipv4/unicast   4          2\n',
    );
  });
});

describe('cilium bgp routes', () => {
  it('defaults to available ipv4 unicast with a note', () => {
    assert.deepEqual(defaultRoutesArgs([]), { args: ['available', 'ipv4', 'unicast'], note: '(Defaulting to `available ipv4 unicast` routes, please see help for more options)\n\n' });
    assert.equal(defaultRoutesArgs(['advertised']).note, '(Defaulting to `ipv4 unicast` AFI & SAFI, please see help for more options)\n\n');
    assert.equal(defaultRoutesArgs(['available', 'ipv4', 'unicast']).note, undefined);
    assert.equal(parseRoutesArgs(['received', 'ipv4', 'unicast']), 'invalid argument: `received`, expected `available` / `advertised`');
    assert.deepEqual(parseRoutesArgs(['advertised', 'ipv4', 'unicast', 'peer', '192.168.10.200']), { table: 'advertised', afi: 'ipv4', safi: 'unicast', peer: '192.168.10.200' });
  });

  it('matches seed 001 after the LB IP advertisement', () => {
    const h = 3_600_000;
    const out = clusterRoutesTable(
      [
        { node: 'k8s-ctr', items: [route('172.20.0.0/24', 13 * h + 23 * MIN + 31_000), route('172.16.1.1/32', 5 * MIN + 6000)] },
        { node: 'k8s-w0', items: [route('172.16.1.1/32', 5 * MIN + 6000), route('172.20.2.0/24', 13 * h + 23 * MIN + 43_000)] },
        { node: 'k8s-w1', items: [route('172.16.1.1/32', 5 * MIN + 6000), route('172.20.1.0/24', 13 * h + 23 * MIN + 44_000)] },
      ],
      false,
    );
    assert.equal(
      out,
      [
        'Node      VRouter   Prefix          NextHop   Age         Attrs',
        'k8s-ctr   65001     172.16.1.1/32   0.0.0.0   5m6s        [{Origin: i} {Nexthop: 0.0.0.0}]   ',
        '          65001     172.20.0.0/24   0.0.0.0   13h23m31s   [{Origin: i} {Nexthop: 0.0.0.0}]   ',
        'k8s-w0    65001     172.16.1.1/32   0.0.0.0   5m6s        [{Origin: i} {Nexthop: 0.0.0.0}]   ',
        '          65001     172.20.2.0/24   0.0.0.0   13h23m43s   [{Origin: i} {Nexthop: 0.0.0.0}]   ',
        'k8s-w1    65001     172.16.1.1/32   0.0.0.0   5m6s        [{Origin: i} {Nexthop: 0.0.0.0}]   ',
        '          65001     172.20.1.0/24   0.0.0.0   13h23m44s   [{Origin: i} {Nexthop: 0.0.0.0}]   ',
        '',
      ].join('\n'),
    );
  });

  it("prints attributes the way GoBGP's String() does", () => {
    assert.equal(
      attrsText([
        { type: 'origin', value: 0 },
        { type: 'asPath', segments: [{ type: 2, asns: [65001] }] },
        { type: 'communities', values: [65000 * 65536 + 99, 0xffffff01] },
        { type: 'mpReach', family: 'ipv4-unicast', nextHop: 'fd00:10:0:1::2', nlri: ['10.1.0.0/24'] },
        { type: 'largeCommunities', values: [[65000, 1, 2]] },
      ]),
      '[{Origin: i} {AsPath: 65001} {Communities: 65000:99, no-export} {MpReach(ipv4-unicast): {Nexthop: fd00:10:0:1::2, NLRIs: [10.1.0.0/24]}} {LargeCommunity: [ 65000:1:2]}]',
    );
  });
});

describe('cilium-dbg bgp route-policies', () => {
  it('matches seed 001', () => {
    const policies: BgpRoutePolicy[] = [
      { routerAsn: 65001, name: 'tor-switch-ipv4-Service-webpod-default-LoadBalancerIP', type: 'export', statements: [{ neighbors: ['192.168.10.200/32'], families: [], prefixes: [{ cidr: '172.16.1.1/32', min: 32, max: 32 }], action: 'accept', communities: [], largeCommunities: [] }] },
      { routerAsn: 65001, name: 'allow-local', type: 'import', statements: [{ neighbors: [], families: [], prefixes: [], action: 'accept', communities: [], largeCommunities: [] }] },
      { routerAsn: 65001, name: 'tor-switch-ipv4-PodCIDR', type: 'export', statements: [{ neighbors: ['192.168.10.200/32'], families: [], prefixes: [{ cidr: '172.20.1.0/24', min: 24, max: 24 }], action: 'accept', communities: [], largeCommunities: [] }] },
    ];
    assert.equal(
      agentRoutePoliciesTable(policies),
      [
        'VRouter   Policy Name                                             Type     Match Peers         Match Families   Match Prefixes (Min..Max Len)   RIB Action   Path Actions',
        '65001     allow-local                                             import                                                                        accept       ',
        '65001     tor-switch-ipv4-PodCIDR                                 export   192.168.10.200/32                    172.20.1.0/24 (24..24)          accept       ',
        '65001     tor-switch-ipv4-Service-webpod-default-LoadBalancerIP   export   192.168.10.200/32                    172.16.1.1/32 (32..32)          accept       ',
        '',
      ].join('\n'),
    );
  });

  it('lists several cells in braces and path actions in order', () => {
    const out = agentRoutePoliciesTable([
      {
        routerAsn: 65001,
        name: 'p-ipv4-PodCIDR',
        type: 'export',
        statements: [{ neighbors: ['10.0.0.1/32'], families: [], prefixes: [{ cidr: '10.1.0.0/24', min: 24, max: 24 }, { cidr: '10.2.0.0/24', min: 24, max: 24 }], action: 'accept', localPreference: 150, communities: ['65000:99'], largeCommunities: [] }],
      },
    ]);
    assert.match(out.split('\n')[1]!, /\{10\.1\.0\.0\/24 \(24\.\.24\)\} \{10\.2\.0\.0\/24 \(24\.\.24\)\}\s+accept\s+\{SetLocalPreference: 150\} \{AddCommunities: \[65000:99\]\}$/);
  });
});
