// The L2 responder reconciler (pkg/datapath/l2responder): the `l2-announce` table into the node's
// L2 responder map. IPv6 entries are skipped (no NDP responder in Cilium 1.18); an entry whose
// device is missing is skipped with an error. A map entry that did not exist before means the IP
// may have moved here, so one gratuitous ARP goes out for it (garpOnNewEntry).

import type { L2Datapath } from './datapath.ts';
import type { L2AnnounceTable } from './table.ts';

export class L2ResponderReconciler {
  constructor(
    private readonly table: L2AnnounceTable,
    private readonly dp: L2Datapath,
    private readonly log: (level: 'error', msg: string) => void,
  ) {}

  /** Converges the map to the table: deletes what is not wanted, creates what is missing. */
  reconcile(): void {
    const want = new Map<string, { ip: number; ifindex: number; mac: number }>();
    for (const e of this.table.list()) {
      if (e.ip.family !== 4) continue;
      const link = this.dp.link(e.networkInterface);
      if (!link) {
        this.log('error', `link index: Link not found: ${e.networkInterface}`);
        continue;
      }
      const ip = Number(e.ip.value);
      want.set(`${ip}|${link.ifindex}`, { ip, ifindex: link.ifindex, mac: link.mac });
    }
    const map = this.dp.responder;
    for (const cur of map.entries()) if (!want.has(`${cur.ip}|${cur.ifindex}`)) map.delete(cur.ip, cur.ifindex);
    for (const w of want.values()) {
      if (map.get(w.ip, w.ifindex) === undefined) this.dp.sendGratuitousArp(w.ifindex, w.ip);
      map.set(w.ip, w.ifindex, w.mac);
    }
  }
}
