// ROUTE-REFRESH (RFC 2918) with the BoRR/EoRR subtypes of enhanced route refresh (RFC 7313).

import { ErrCode, MsgType, RouteRefreshSub } from './constants.ts';
import { BgpError } from './errors.ts';
import { frame } from './message.ts';
import { copyBytes } from './prefix.ts';

export interface RouteRefresh {
  afi: number;
  safi: number;
  /** 0 = normal request, 1 = BoRR, 2 = EoRR. */
  subtype: number;
}

export function encodeRouteRefresh(r: RouteRefresh): Buffer {
  return frame(MsgType.ROUTE_REFRESH, Uint8Array.of(r.afi >> 8, r.afi & 0xff, r.subtype, r.safi));
}

export function decodeRouteRefresh(buf: Uint8Array, start: number, end: number): RouteRefresh {
  const subtype = buf[start + 2]!;
  if (end - start !== 4) {
    // RFC 7313 §5: a ROUTE-REFRESH whose body is not 4 octets.
    throw new BgpError(ErrCode.ROUTE_REFRESH, RouteRefreshSub.INVALID_MESSAGE_LENGTH, copyBytes(buf, start, end));
  }
  return { afi: (buf[start]! << 8) | buf[start + 1]!, subtype, safi: buf[start + 3]! };
}
