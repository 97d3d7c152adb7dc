// One entry point that decodes any message body by type (used by the session and the fuzz suite).

import { MsgType } from './constants.ts';
import { type Notification, decodeNotification } from './notification.ts';
import { type OpenMessage, decodeOpen } from './open.ts';
import { type RouteRefresh, decodeRouteRefresh } from './route-refresh.ts';
import { type DecodeContext, type UpdateView, decodeUpdate } from './update.ts';

export type Decoded =
  | { type: typeof MsgType.OPEN; open: OpenMessage }
  | { type: typeof MsgType.UPDATE; update: UpdateView }
  | { type: typeof MsgType.NOTIFICATION; notification: Notification }
  | { type: typeof MsgType.KEEPALIVE }
  | { type: typeof MsgType.ROUTE_REFRESH; refresh: RouteRefresh };

/** Decodes a message body whose header was already checked; protocol errors throw BgpError. */
export function decodeBody(type: number, buf: Uint8Array, start: number, end: number, ctx: DecodeContext): Decoded {
  switch (type) {
    case MsgType.OPEN:
      return { type, open: decodeOpen(buf, start, end) };
    case MsgType.UPDATE:
      return { type, update: decodeUpdate(buf, start, end, ctx) };
    case MsgType.NOTIFICATION:
      return { type, notification: decodeNotification(buf, start, end) };
    case MsgType.ROUTE_REFRESH:
      return { type, refresh: decodeRouteRefresh(buf, start, end) };
    default:
      return { type: MsgType.KEEPALIVE };
  }
}
