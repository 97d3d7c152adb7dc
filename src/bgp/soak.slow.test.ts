// A peer that keeps resetting the session: nothing may accumulate (timers, sockets, attribute
// sets, destinations, paths) however many times it goes round.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../controller/clock.ts';
import { Speaker } from './speaker.ts';
import { memoryNetwork } from './testing/memory-transport.ts';
import { peerStatus } from './views.ts';

const ROUNDS = Number(process.env.BGP_SOAK_ROUNDS ?? 150);

describe('soak: repeated session resets', () => {
  it(`leaks no timers, sockets or RIB entries over ${ROUNDS} resets`, async () => {
    const clock = new VirtualClock();
    const net = memoryNetwork();
    const a = new Speaker({ asn: 65001, routerId: '10.0.0.1', clock, transport: net.transport('10.0.0.1'), listen: { address: '10.0.0.1', port: 179 }, ebgpRequiresPolicy: false, gracefulRestart: { enabled: true, restartTime: 5 } });
    const b = new Speaker({ asn: 65002, routerId: '10.0.0.2', clock, transport: net.transport('10.0.0.2'), listen: { address: '10.0.0.2', port: 179 }, ebgpRequiresPolicy: false, gracefulRestart: { enabled: true, restartTime: 5 } });
    a.addPeer({ address: '10.0.0.2', asn: 65002, holdTime: 9, keepalive: 3, idleHoldTime: 1 });
    b.addPeer({ address: '10.0.0.1', asn: 65001, passive: true, holdTime: 9 });
    for (let i = 0; i < 500; i++) b.originate(`10.${i >> 8}.${i & 255}.0/24`, { communities: [i % 7] });
    await a.start();
    await b.start();
    await clock.advance(2000);
    const baseline = () => ({
      timers: clock.pending(),
      sockets: net.open(),
      attrs: a.store.size,
      dests: a.tables['ipv4-unicast'].destinationCount,
      paths: a.tables['ipv4-unicast'].pathCount,
    });
    assert.equal(peerStatus(a, '10.0.0.2')?.state, 'Established');
    const first = baseline();
    assert.equal(first.paths, 500);
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 3 === 0) b.resetPeer('10.0.0.1', 'soak');
      else if (r % 3 === 1) a.resetPeer('10.0.0.2');
      else net.cut('10.0.0.1', '10.0.0.2'); // silence: hold timer, graceful restart, stale sweep
      await clock.advance(r % 3 === 2 ? 15_000 : 3_000);
      await clock.advanceUntil(() => peerStatus(a, '10.0.0.2')?.state === 'Established' && a.tables['ipv4-unicast'].pathCount === 500, 200_000, 1000);
      await clock.advance(2000);
      assert.deepEqual(baseline(), first, `round ${r}`);
    }
    assert.ok((peerStatus(a, '10.0.0.2')?.stats.established ?? 0) > ROUNDS, 'the session did not go round');
    a.stop();
    b.stop();
    await clock.advance(1000);
    assert.equal(net.open(), 0);
    assert.equal(clock.pending(), 0);
  });
});
