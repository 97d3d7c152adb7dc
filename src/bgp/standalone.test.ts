// Two standalone speakers on loopback peering over real TCP, driven through their control sockets.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RealClock } from '../controller/clock.ts';
import { FrrConfigError } from './frr/config.ts';
import { type RunningSpeaker, runSpeaker, vtyshClient } from './standalone.ts';

const dir = mkdtempSync(join(tmpdir(), 'cilia-bgp-'));
const basePort = 20000 + (process.pid % 20000);

function conf(name: string, body: string): string {
  const f = join(dir, `${name}.conf`);
  writeFileSync(f, body);
  return f;
}

async function until(fn: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('standalone speaker', () => {
  const running: RunningSpeaker[] = [];
  after(async () => {
    for (const r of running) await r.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('peers with another one on loopback and answers vtysh over its control socket', async () => {
    const a = conf(
      'a',
      `hostname a
router bgp 65001
 bgp router-id 127.0.0.1
 no bgp ebgp-requires-policy
 bgp allow-martian-nexthop
 neighbor 127.0.0.2 remote-as 65002
 neighbor 127.0.0.2 port ${basePort + 1}
 neighbor 127.0.0.2 timers connect 1
 address-family ipv4 unicast
  network 10.99.0.0/24
 exit-address-family
 address-family ipv6 unicast
  network fd00:99::/64
  neighbor 127.0.0.2 activate
 exit-address-family
`,
    );
    const b = conf(
      'b',
      `router bgp 65002
 bgp router-id 127.0.0.2
 no bgp ebgp-requires-policy
 bgp allow-martian-nexthop
 neighbor 127.0.0.1 remote-as 65001
 neighbor 127.0.0.1 passive
 address-family ipv6 unicast
  neighbor 127.0.0.1 activate
 exit-address-family
`,
    );
    running.push(await runSpeaker({ configFile: a, listen: '127.0.0.1', port: basePort, clock: new RealClock() }));
    running.push(await runSpeaker({ configFile: b, listen: '127.0.0.2', port: basePort + 1, clock: new RealClock() }));
    const ask = (who: string, cmd: string) => vtyshClient({ speaker: `${who}.sock`, command: cmd });
    await until(async () => JSON.parse(await ask(b, 'show ip bgp summary json')).ipv4Unicast.peers['127.0.0.1'].state === 'Established');
    await until(async () => (await ask(b, 'show ip bgp')).includes('10.99.0.0/24'));
    const table = await ask(b, 'show ip bgp');
    assert.ok(table.includes('*> 10.99.0.0/24     127.0.0.1                0             0 65001 i\n'), table);
    await until(async () => (await ask(b, 'show bgp ipv6')).includes('fd00:99::/64'));
    assert.equal(await ask(a, 'show ip route bgp'), 'zebra is not running\n');
    // vtysh -c 'configure terminal' -c 'router bgp 65001' -c 'no network 10.99.0.0/24'
    assert.equal(await vtyshClient({ speaker: `${a}.sock`, command: ['configure terminal', 'router bgp 65001', 'no network 10.99.0.0/24'] }), '');
    await until(async () => !(await ask(b, 'show ip bgp')).includes('10.99.0.0/24'));
    assert.equal(await ask(a, 'show ip bgpp'), '% Unknown command: show ip bgpp\n');
  });

  it('refuses a bad configuration with every bad line named, starting nothing', async () => {
    const bad = conf('bad', 'router bgp 65001\n bgp router-id 1.2.3.4\n neighbor 10.0.0.1 remote-az 1\n');
    await assert.rejects(
      runSpeaker({ configFile: bad, port: 0, clock: new RealClock() }),
      (e: unknown) => e instanceof FrrConfigError && e.message === `${bad}:3: No such command on config line 3: neighbor 10.0.0.1 remote-az 1`,
    );
  });
});
