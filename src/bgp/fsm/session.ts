// The BGP finite state machine of RFC 4271 §8 for one configured peer: Idle, Connect, Active,
// OpenSent, OpenConfirm, Established; ConnectRetry, Hold and Keepalive timers on the BgpClock;
// connection collision detection (§6.8, RFC 6286 §2.3); idle hold with backoff after errors.

import { type BgpClock, type BgpTimerHandle, Timer } from '../timer.ts';
import type { BgpSocket, Transport } from '../transport.ts';
import { CeaseSub, ErrCode, FsmSub, MAX_EXTENDED_MESSAGE_LEN, MsgType } from '../wire/constants.ts';
import { decodeBody } from '../wire/decode.ts';
import { BgpError, notificationText } from '../wire/errors.ts';
import { KEEPALIVE_MESSAGE } from '../wire/message.ts';
import { type Notification, describeNotification, encodeNotification } from '../wire/notification.ts';
import type { RouteRefresh } from '../wire/route-refresh.ts';
import { Connection, type ConnectionHandler } from './connection.ts';
import { type Negotiated, type OpenConfig, buildOpen, negotiate } from './negotiate.ts';

export type SessionState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export interface SessionConfig extends OpenConfig {
  address: string;
  port: number;
  localAddress?: string;
  passive: boolean;
  /** Seconds between outgoing connection attempts. */
  connectRetry: number;
  /** Seconds to wait after a failure before starting again (doubles per failure, up to 120). */
  idleHoldTime: number;
  md5Password?: string;
  /** IP TTL (eBGP multihop); undefined = the system default. */
  ttl?: number;
  /** Administratively down (`neighbor X shutdown`). */
  shutdown: boolean;
}

export interface DownReason {
  text: string;
  /** Routes of the peer may be retained as stale (RFC 4724 §4.2): the session failed, nobody closed it. */
  graceful: boolean;
  sentNotification?: Notification;
  receivedNotification?: Notification;
}

export interface SessionOwner {
  readonly clock: BgpClock;
  readonly transport: Transport;
  established(s: Session): void;
  down(s: Session, why: DownReason): void;
  /** Handles an UPDATE body; a thrown BgpError is answered with a NOTIFICATION. */
  update(s: Session, buf: Buffer, start: number, end: number): void;
  refresh(s: Session, rr: RouteRefresh): void;
  drain(s: Session): void;
  log(s: Session, msg: string): void;
  stateChanged(s: Session, from: SessionState, to: SessionState): void;
}

export interface SessionStats {
  opensIn: number;
  opensOut: number;
  updatesIn: number;
  updatesOut: number;
  keepalivesIn: number;
  keepalivesOut: number;
  notificationsIn: number;
  notificationsOut: number;
  refreshIn: number;
  refreshOut: number;
  /** Times the session reached Established. */
  established: number;
  /** Times an established session went down. */
  dropped: number;
  connectAttempts: number;
}

const OPENSENT_HOLD = 240; // RFC 4271 §8.2.2: "a large value", suggested 4 minutes
const MAX_IDLE_HOLD = 120;

interface ConnTimers {
  hold: Timer;
  /** Seconds of the running hold time (240 in OpenSent, then the negotiated value). */
  holdSecs: number;
  /** When a message last arrived (ms): the hold timer re-arms lazily instead of per message. */
  lastRx: number;
  keepalive?: BgpTimerHandle;
}

export class Session implements ConnectionHandler {
  state: SessionState = 'Idle';
  negotiated: Negotiated | undefined;
  stats: SessionStats = {
    opensIn: 0,
    opensOut: 0,
    updatesIn: 0,
    updatesOut: 0,
    keepalivesIn: 0,
    keepalivesOut: 0,
    notificationsIn: 0,
    notificationsOut: 0,
    refreshIn: 0,
    refreshOut: 0,
    established: 0,
    dropped: 0,
    connectAttempts: 0,
  };
  /** When the session last entered or left Established (ms since epoch). */
  stateSince = 0;
  lastError = '';
  lastNotificationIn: Notification | undefined;
  lastNotificationOut: Notification | undefined;
  /** Why the last session went down, FRR-style ("Hold Timer Expired", "Peer closed the session"...). */
  lastReset = '';
  lastResetAt = 0;
  private conns: Connection[] = [];
  private established: Connection | undefined;
  private timers = new Map<Connection, ConnTimers>();
  private connectRetry: Timer;
  private idleHold: Timer;
  private failures = 0;
  private started = false;

  constructor(
    public config: SessionConfig,
    private readonly owner: SessionOwner,
  ) {
    this.connectRetry = new Timer(owner.clock, () => this.onConnectRetry());
    this.idleHold = new Timer(owner.clock, () => this.begin());
  }

  get connection(): Connection | undefined {
    return this.established;
  }

  get isEstablished(): boolean {
    return this.state === 'Established';
  }

  // ---------------------------------------------------------------- administrative events

  /** ManualStart (RFC 4271 §8.1.2, event 1 / 4 for passive). */
  start(): void {
    this.started = true;
    if (this.state !== 'Idle' || this.idleHold.running) return;
    this.begin();
  }

  /** ManualStop: Cease/Administrative Shutdown (RFC 4486) with an optional RFC 9003 message. */
  stop(message?: string, subcode: number = CeaseSub.ADMIN_SHUTDOWN): void {
    this.started = false;
    this.idleHold.stop();
    this.connectRetry.stop();
    const n: Notification = { code: ErrCode.CEASE, subcode, data: new Uint8Array(0) };
    if (message !== undefined) n.shutdownMessage = message;
    this.teardown({ text: notificationText(ErrCode.CEASE, subcode), graceful: false, sentNotification: n }, n);
    this.setState('Idle');
  }

  /** Administrative reset: down with Cease/Administrative Reset, then up again. */
  reset(message?: string, subcode: number = CeaseSub.ADMIN_RESET): void {
    const n: Notification = { code: ErrCode.CEASE, subcode, data: new Uint8Array(0) };
    if (message !== undefined) n.shutdownMessage = message;
    this.fail({ text: notificationText(ErrCode.CEASE, subcode), graceful: false, sentNotification: n }, n, 0);
  }

  /** Ends the session for good (peer removed). */
  destroy(): void {
    this.stop(undefined, CeaseSub.PEER_DECONFIGURED);
  }

  private begin(): void {
    if (!this.started) return;
    if (this.config.shutdown) {
      this.setState('Idle');
      return;
    }
    if (this.config.passive) {
      this.setState('Active');
      return;
    }
    this.connect();
  }

  private connect(): void {
    this.setState('Connect');
    this.connectRetry.start(this.config.connectRetry * 1000);
    this.stats.connectAttempts++;
    let socket: BgpSocket;
    try {
      const opts: Parameters<Transport['connect']>[0] = { host: this.config.address, port: this.config.port };
      if (this.config.localAddress) opts.localAddress = this.config.localAddress;
      if (this.config.md5Password !== undefined) opts.md5Password = this.config.md5Password;
      if (this.config.ttl !== undefined) opts.ttl = this.config.ttl;
      socket = this.owner.transport.connect(opts);
    } catch (e) {
      this.lastError = (e as Error).message;
      this.owner.log(this, `connect to ${this.config.address} failed: ${this.lastError}`);
      this.setState('Active');
      return;
    }
    const c = new Connection(socket, true, this, false);
    this.conns.push(c);
  }

  private onConnectRetry(): void {
    // ConnectRetryTimer_Expires: drop a pending attempt and try again
    for (const c of [...this.conns]) {
      if (c.outbound && c.state === 'connecting') this.dropConn(c);
    }
    if (this.state === 'Connect' || this.state === 'Active') this.connect();
  }

  /** An accepted TCP connection from this peer's address. */
  incoming(socket: BgpSocket): void {
    if (!this.started || this.config.shutdown || this.idleHold.running) {
      // RFC 4271 §8.2.2 Idle state: connections are refused
      socket.destroy();
      return;
    }
    const existing = this.conns.find((c) => !c.outbound);
    if (existing) this.dropConn(existing);
    const c = new Connection(socket, false, this, true);
    this.conns.push(c);
    this.onConnected(c);
  }

  // ---------------------------------------------------------------- connection events

  onConnected(c: Connection): void {
    if (this.config.ttl !== undefined && !c.outbound && this.owner.transport.setTtl) {
      try {
        this.owner.transport.setTtl(c.socket, this.config.ttl);
      } catch (e) {
        this.owner.log(this, `cannot set TTL: ${(e as Error).message}`);
      }
    }
    const t: ConnTimers = { hold: new Timer(this.owner.clock, () => this.onHoldTimer(c)), holdSecs: OPENSENT_HOLD, lastRx: this.owner.clock.now() };
    this.timers.set(c, t);
    t.hold.start(OPENSENT_HOLD * 1000);
    c.write(buildOpen(this.config));
    this.stats.opensOut++;
    if (this.state !== 'Established' && this.state !== 'OpenConfirm') this.setState('OpenSent');
  }

  /** When the last chunk of messages arrived (ms since the epoch). */
  rxTime = 0;

  onReceived(c: Connection): void {
    this.rxTime = this.owner.clock.now();
    const t = this.timers.get(c);
    if (t) t.lastRx = this.rxTime;
  }

  onMessage(c: Connection, type: number, buf: Buffer, start: number, end: number): void {
    try {
      this.dispatch(c, type, buf, start, end);
    } catch (e) {
      const err = e instanceof BgpError ? e : new BgpError(ErrCode.CEASE, 0, new Uint8Array(0), `internal error: ${(e as Error).message}`);
      if (!(e instanceof BgpError)) this.owner.log(this, `internal error handling a message: ${(e as Error).stack ?? e}`);
      this.onProtocolError(c, err);
    }
  }

  private dispatch(c: Connection, type: number, buf: Buffer, start: number, end: number): void {
    const timers = this.timers.get(c);
    if (type === MsgType.NOTIFICATION) {
      const d = decodeBody(type, buf, start, end, DUMMY_CTX);
      if (d.type !== MsgType.NOTIFICATION) return;
      this.stats.notificationsIn++;
      this.lastNotificationIn = d.notification;
      const text = `received ${describeNotification(d.notification)}`;
      this.owner.log(this, `${this.config.address}: ${text}`);
      this.connFailed(c, { text: describeNotification(d.notification), graceful: false, receivedNotification: d.notification });
      return;
    }
    switch (c.state) {
      case 'opensent': {
        if (type !== MsgType.OPEN) throw new BgpError(ErrCode.FSM, FsmSub.UNEXPECTED_IN_OPENSENT);
        this.stats.opensIn++;
        const d = decodeBody(type, buf, start, end, DUMMY_CTX);
        if (d.type !== MsgType.OPEN) return;
        const neg = negotiate(this.config, d.open);
        c.peerOpen = d.open;
        c.peerCaps = neg.caps;
        if (!this.resolveCollision(c, neg)) return;
        c.state = 'openconfirm';
        c.negotiated = neg;
        if (neg.extendedMessage) c.setMaxLength(MAX_EXTENDED_MESSAGE_LEN);
        c.write(KEEPALIVE_MESSAGE);
        this.stats.keepalivesOut++;
        if (timers) {
          timers.holdSecs = neg.holdTime;
          timers.lastRx = this.owner.clock.now();
          if (neg.holdTime > 0) timers.hold.start(neg.holdTime * 1000);
          else timers.hold.stop();
          if (neg.keepalive > 0) {
            timers.keepalive = this.owner.clock.setInterval(() => this.sendKeepalive(c), neg.keepalive * 1000);
          }
        }
        if (this.state !== 'Established') this.setState('OpenConfirm');
        return;
      }
      case 'openconfirm': {
        if (type !== MsgType.KEEPALIVE) throw new BgpError(ErrCode.FSM, FsmSub.UNEXPECTED_IN_OPENCONFIRM);
        this.stats.keepalivesIn++;
        this.toEstablished(c);
        return;
      }
      case 'established': {
        switch (type) {
          case MsgType.KEEPALIVE:
            this.stats.keepalivesIn++;
            return;
          case MsgType.UPDATE:
            this.stats.updatesIn++;
            this.owner.update(this, buf, start, end);
            return;
          case MsgType.ROUTE_REFRESH: {
            this.stats.refreshIn++;
            const d = decodeBody(type, buf, start, end, DUMMY_CTX);
            if (d.type === MsgType.ROUTE_REFRESH) this.owner.refresh(this, d.refresh);
            return;
          }
          default:
            throw new BgpError(ErrCode.FSM, FsmSub.UNEXPECTED_IN_ESTABLISHED);
        }
      }
      default:
        return;
    }
  }

  /**
   * RFC 4271 §6.8: with two connections to the same peer, the one started by the speaker with
   * the higher BGP Identifier survives (RFC 6286 §2.3: on equal IDs, the higher AS). Returns
   * whether `c` survives. A new connection against an Established one loses, unless the peer
   * announces graceful restart: then it restarted and the old session is dead (RFC 4724 §4.2).
   */
  private resolveCollision(c: Connection, neg: Negotiated): boolean {
    const other = this.conns.find((x) => x !== c && x.state !== 'closed' && x.state !== 'connecting');
    if (!other) return true;
    if (other.state === 'established') {
      if (neg.caps.gracefulRestart) {
        this.owner.log(this, `${this.config.address}: new connection while Established, peer restarted (graceful restart)`);
        this.connFailed(other, { text: 'Peer restarted (new connection)', graceful: true });
        return true;
      }
      this.closeWithNotification(c, new BgpError(ErrCode.CEASE, CeaseSub.CONNECTION_COLLISION));
      return false;
    }
    let keepOutbound: boolean;
    if (this.config.routerId !== neg.peerId) keepOutbound = this.config.routerId > neg.peerId;
    else keepOutbound = this.config.localAs > neg.peerAs;
    const loser = keepOutbound ? (c.outbound ? other : c) : c.outbound ? c : other;
    this.owner.log(this, `${this.config.address}: connection collision, closing the ${loser.outbound ? 'outgoing' : 'incoming'} connection`);
    this.closeWithNotification(loser, new BgpError(ErrCode.CEASE, CeaseSub.CONNECTION_COLLISION));
    return loser !== c;
  }

  private toEstablished(c: Connection): void {
    const neg = c.negotiated;
    if (!neg) return;
    c.state = 'established';
    for (const other of [...this.conns]) {
      if (other !== c) this.closeWithNotification(other, new BgpError(ErrCode.CEASE, CeaseSub.CONNECTION_COLLISION));
    }
    this.connectRetry.stop();
    this.established = c;
    this.negotiated = neg;
    this.stats.established++;
    this.setState('Established');
    this.owner.established(this);
  }

  private sendKeepalive(c: Connection): void {
    if (c.state === 'closed') return;
    c.write(KEEPALIVE_MESSAGE);
    this.stats.keepalivesOut++;
  }

  private onHoldTimer(c: Connection): void {
    const t = this.timers.get(c);
    if (!t) return;
    const left = t.lastRx + t.holdSecs * 1000 - this.owner.clock.now();
    if (left > 0) {
      t.hold.start(left);
      return;
    }
    this.onHoldExpired(c);
  }

  private onHoldExpired(c: Connection): void {
    this.owner.log(this, `${this.config.address}: hold timer expired`);
    const n: Notification = { code: ErrCode.HOLD_TIMER_EXPIRED, subcode: 0, data: new Uint8Array(0) };
    this.sendNotification(c, n);
    this.connFailed(c, { text: 'Hold Timer Expired', graceful: true, sentNotification: n });
  }

  onProtocolError(c: Connection, e: BgpError): void {
    const n: Notification = { code: e.code, subcode: e.subcode, data: e.data };
    this.lastError = e.message;
    this.owner.log(this, `${this.config.address}: sending NOTIFICATION ${notificationText(e.code, e.subcode)}: ${e.message}`);
    this.sendNotification(c, n);
    this.connFailed(c, { text: notificationText(e.code, e.subcode), graceful: false, sentNotification: n });
  }

  onClosed(c: Connection, why: string): void {
    this.connFailed(c, { text: why === 'connection closed by peer' ? 'Peer closed the session' : why, graceful: true });
  }

  onDrain(c: Connection): void {
    if (c === this.established) this.owner.drain(this);
  }

  private sendNotification(c: Connection, n: Notification): void {
    this.lastNotificationOut = n;
    this.stats.notificationsOut++;
    c.close(encodeNotification(n));
  }

  private closeWithNotification(c: Connection, e: BgpError): void {
    this.sendNotification(c, { code: e.code, subcode: e.subcode, data: e.data });
    this.dropConn(c);
  }

  private dropConn(c: Connection): void {
    c.close();
    const t = this.timers.get(c);
    t?.hold.stop();
    t?.keepalive?.cancel();
    this.timers.delete(c);
    this.conns = this.conns.filter((x) => x !== c);
  }

  /** One connection ended; the session fails if it was the established one or the last one. */
  private connFailed(c: Connection, why: DownReason): void {
    const wasEstablished = c === this.established;
    const wasConnecting = !c.everConnected;
    this.dropConn(c);
    if (wasEstablished || this.conns.length === 0) {
      if (!wasEstablished && wasConnecting) {
        // TCP connection attempt failed: Active until the ConnectRetry timer fires (§8.2.2)
        this.lastError = why.text;
        this.setState(this.conns.length > 0 ? this.state : 'Active');
        return;
      }
      this.fail(why, undefined, undefined);
    } else {
      this.setState(this.derivedState());
    }
  }

  private derivedState(): SessionState {
    if (this.established) return 'Established';
    if (this.conns.some((c) => c.state === 'openconfirm')) return 'OpenConfirm';
    if (this.conns.some((c) => c.state === 'opensent')) return 'OpenSent';
    if (this.conns.some((c) => c.state === 'connecting')) return 'Connect';
    return 'Active';
  }

  /** Session failure: every connection goes, the owner hears of it, and we come back after the idle hold. */
  private fail(why: DownReason, notify: Notification | undefined, holdOverride: number | undefined): void {
    const wasUp = this.state === 'Established';
    this.teardown(why, notify);
    if (wasUp && this.owner.clock.now() - this.stateSince > Math.max(60, this.negotiated?.holdTime ?? 0) * 1000) this.failures = 0;
    this.failures++;
    // a passive peer initiates nothing, so there is nothing to damp: it listens again at once
    const base = this.config.passive ? 0 : (holdOverride ?? this.config.idleHoldTime);
    const hold = base <= 0 ? 0 : Math.min(MAX_IDLE_HOLD, base * 2 ** Math.min(10, this.failures - 1));
    this.setState('Idle');
    if (!this.started) return;
    if (hold > 0) this.idleHold.start(hold * 1000);
    else this.begin();
  }

  private teardown(why: DownReason, notify: Notification | undefined): void {
    const wasUp = this.established !== undefined;
    for (const c of [...this.conns]) {
      if (notify && c.state !== 'connecting') {
        this.sendNotification(c, notify);
      }
      this.dropConn(c);
    }
    this.established = undefined;
    this.connectRetry.stop();
    if (why.sentNotification && !notify) this.lastNotificationOut = why.sentNotification;
    if (wasUp) {
      this.stats.dropped++;
      this.lastReset = why.text;
      this.lastResetAt = this.owner.clock.now();
      this.owner.down(this, why);
    } else if (why.text) {
      this.lastError = why.text;
    }
  }

  /** Writes on the established connection; false means the socket buffer is full (wait for drain). */
  send(buf: Buffer, updates = 0): boolean {
    const c = this.established;
    if (!c) return false;
    this.stats.updatesOut += updates;
    return c.write(buf);
  }

  batch(fn: () => void): void {
    const c = this.established;
    if (c) c.batch(fn);
  }

  get writable(): boolean {
    const c = this.established;
    return c !== undefined && !c.needDrain;
  }

  /** Sends a ROUTE-REFRESH (or another prebuilt message) and counts it. */
  sendRefresh(buf: Buffer): void {
    const c = this.established;
    if (!c) return;
    this.stats.refreshOut++;
    c.write(buf);
  }


  private setState(s: SessionState): void {
    if (s === this.state) return;
    const from = this.state;
    this.state = s;
    if (s === 'Established' || from === 'Established') this.stateSince = this.owner.clock.now();
    this.owner.log(this, `${this.config.address}: ${from} -> ${s}`);
    this.owner.stateChanged(this, from, s);
  }
}

// NOTIFICATION, OPEN and ROUTE-REFRESH decoding does not depend on the UPDATE context
const DUMMY_CTX = { as4: true, ebgp: false, firstAs: 0, addPath4: false, addPath6: false };
