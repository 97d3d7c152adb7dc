// TCP MD5 (RFC 2385) and the TTL of eBGP multihop against FRR, through the native addon
// (node native/build.mjs). The capture proves both on the wire.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadNativeSockets } from '../../src/bgp/net-transport.ts';
import { type Daemon, NetnsLab, type Speaker, skipReason, until } from './lab.ts';

const reason = skipReason(['frr', 'tshark']) ?? (loadNativeSockets() ? undefined : 'the native addon is not built (node native/build.mjs)');

const US = `router bgp 65001
 bgp router-id 10.0.0.1
 no bgp ebgp-requires-policy
 neighbor 10.0.0.2 remote-as 65002
 neighbor 10.0.0.2 password s3cret
 neighbor 10.0.0.2 ebgp-multihop 5
 neighbor 10.0.0.2 timers connect 1
 address-family ipv4 unicast
  network 203.0.113.0/24
 exit-address-family
`;

const FRR = (password: string) => `frr defaults traditional
router bgp 65002
 bgp router-id 10.0.0.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.0.0.1 remote-as 65001
 neighbor 10.0.0.1 update-source 10.0.0.2
 neighbor 10.0.0.1 password ${password}
 neighbor 10.0.0.1 ebgp-multihop 5
 neighbor 10.0.0.1 timers connect 1
`;

describe('interop: TCP MD5 and multihop TTL with FRR', { skip: reason }, () => {
  let lab: NetnsLab;
  let us: Speaker;
  let frr: { daemon: Daemon; vtysh: (...c: string[]) => string };
  let capture: Daemon;
  const pcap = () => join(lab.dir, 'md5.pcap');

  before(async () => {
    lab = NetnsLab.create('md5', ['10.0.0.1', '10.0.0.2']);
    capture = lab.spawn('tshark', ['tshark', '-q', '-i', 'lo', '-f', 'tcp port 179', '-w', pcap()]);
    await until('tshark', () => lab.log(capture).includes('Capturing on'), 15_000);
    frr = lab.frr('frr', '10.0.0.2', FRR('s3cret'));
    us = lab.speaker('us', US, '10.0.0.1');
  });

  after(async () => {
    await lab?.close();
  });

  it('establishes with a signed session and the configured TTL', async () => {
    await until('the signed session', async () => (await us.json('show ip bgp summary json')).ipv4Unicast?.peers?.['10.0.0.2']?.state === 'Established');
    await until('our route at FRR', () => frr.vtysh('show bgp ipv4 unicast').includes('203.0.113.0/24'));
    await lab.stopCapture(capture, pcap());
    const fields = spawnSync('tshark', ['-r', pcap(), '-Y', 'ip.src == 10.0.0.1 && tcp.len > 0', '-T', 'fields', '-e', 'ip.ttl', '-e', 'tcp.options.md5.digest'], { encoding: 'utf8' }).stdout;
    const rows = fields.trim().split('\n').map((l) => l.split('\t'));
    assert.ok(rows.length > 0);
    for (const [ttl, digest] of rows) {
      assert.equal(ttl, '5');
      assert.ok(digest && digest.length >= 32, 'segment without an MD5 signature');
    }
  });

  it('does not establish with the wrong password', async () => {
    await lab.stop(frr.daemon);
    frr = lab.frr('frr2', '10.0.0.2', FRR('wrong'));
    await new Promise((r) => setTimeout(r, 4000));
    const st = (await us.json('show ip bgp summary json')).ipv4Unicast.peers['10.0.0.2'].state;
    assert.notEqual(st, 'Established');
  });
});
