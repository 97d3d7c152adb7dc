// L2 announcements (pkg/l2announcer, pkg/datapath/l2responder): lease-elected announcers that
// answer ARP for service IPs. See announcer.ts for the behaviour and its upstream quirks.

export { L2_ANNOUNCER, L2Announcer, type L2AnnouncerOptions, LEASE_PREFIX, leaseName } from './announcer.ts';
export { API_REACHABLE, L2_DATAPATH, type L2Datapath, type L2Device } from './datapath.ts';
export { l2AnnouncerFeature } from './feature.ts';
export { formatL2AnnounceTable, type L2AnnounceEntry } from './table.ts';
