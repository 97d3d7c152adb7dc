// A protocol error that ends the session with a NOTIFICATION (RFC 4271 §6).

import { CeaseSub, ErrCode } from './constants.ts';

export class BgpError extends Error {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
  constructor(code: number, subcode: number, data: Uint8Array = new Uint8Array(0), detail?: string) {
    super(detail ?? notificationText(code, subcode));
    this.name = 'BgpError';
    this.code = code;
    this.subcode = subcode;
    this.data = data;
  }
}

const CODE_NAMES: Record<number, string> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Neighbor Events Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
};

// Wording as FRR's bgp_notify_*_msg tables print it (lib: bgpd/bgp_debug.c).
const SUB_NAMES: Record<number, Record<number, string>> = {
  1: { 1: 'Connection Not Synchronized', 2: 'Bad Message Length', 3: 'Bad Message Type' },
  2: {
    0: 'Unspecific',
    1: 'Unsupported Version Number',
    2: 'Bad Peer AS',
    3: 'Bad BGP Identifier',
    4: 'Unsupported Optional Parameter',
    5: 'Authentication Failure',
    6: 'Unacceptable Hold Time',
    7: 'Unsupported Capability',
    11: 'Role Mismatch',
  },
  3: {
    0: 'Unspecific',
    1: 'Malformed Attribute List',
    2: 'Unrecognized Well-known Attribute',
    3: 'Missing Well-known Attribute',
    4: 'Attribute Flags Error',
    5: 'Attribute Length Error',
    6: 'Invalid ORIGIN Attribute',
    7: 'AS Routing Loop',
    8: 'Invalid NEXT_HOP Attribute',
    9: 'Optional Attribute Error',
    10: 'Invalid Network Field',
    11: 'Malformed AS_PATH',
  },
  5: {
    0: 'Unspecific',
    1: 'Receive Unexpected Message in OpenSent State',
    2: 'Receive Unexpected Message in OpenConfirm State',
    3: 'Receive Unexpected Message in Established State',
  },
  6: {
    0: 'Unspecific',
    1: 'Maximum Number of Prefixes Reached',
    2: 'Administrative Shutdown',
    3: 'Peer De-configured',
    4: 'Administrative Reset',
    5: 'Connection Rejected',
    6: 'Other Configuration Change',
    7: 'Connection Collision Resolution',
    8: 'Out of Resources',
    9: 'Hard Reset',
    10: 'BFD Down',
  },
  7: { 1: 'Invalid Message Length' },
};

export function notificationCodeName(code: number): string {
  return CODE_NAMES[code] ?? 'Unknown Error';
}

/** "Cease/Administrative Reset", "Hold Timer Expired", ... */
export function notificationText(code: number, subcode: number): string {
  const base = notificationCodeName(code);
  const subs = SUB_NAMES[code];
  if (!subs) return code === ErrCode.HOLD_TIMER_EXPIRED ? base : `${base}/Unspecific`;
  return `${base}/${subs[subcode] ?? 'Unknown Error'}`;
}

export function isShutdownSubcode(code: number, subcode: number): boolean {
  return code === ErrCode.CEASE && (subcode === CeaseSub.ADMIN_SHUTDOWN || subcode === CeaseSub.ADMIN_RESET);
}
