import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../controller/clock.ts';
import { Rng } from '../../controller/rng.ts';
import { parseAddr, parsePrefix } from '../../netemu/addr.ts';
import { Network } from '../../netemu/network.ts';
import { defaultGateway } from './bgp.ts';

describe('default gateway for BGP auto-discovery', () => {
  it('takes the lowest-metric default route whose device is running', () => {
    const net = new Network({ clock: new VirtualClock(), rng: new Rng('gw') });
    const h = net.addHost('n1', { kind: 'node' });
    const eth0 = net.attach(h, 'eth0', 'mgmt', { addrs: ['192.168.121.70/24'] });
    const eth1 = net.attach(h, 'eth1', 'lan', { addrs: ['192.168.10.100/24'] });
    const def = (gw: string, dev: typeof eth0, metric: number) =>
      h.addRoute({ table: 254, type: 'unicast', dst: parsePrefix('0.0.0.0/0')!, protocol: 4, scope: 0, metric, nexthops: [{ gw: parseAddr(gw)!, dev, weight: 1 }] }, 'append');
    assert.equal(defaultGateway(h, 4), undefined);
    def('192.168.121.1', eth0, 100);
    def('192.168.10.200', eth1, 50);
    assert.equal(defaultGateway(h, 4), '192.168.10.200');
    h.setLinkUp(eth1, false);
    assert.equal(defaultGateway(h, 4), '192.168.121.1');
    assert.equal(defaultGateway(h, 6), undefined);
  });
});
