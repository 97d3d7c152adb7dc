// One TCP connection of a session: framing on the way in, backpressure on the way out.
// A peer may have two of them for a moment (connection collision, RFC 4271 §6.8).

import { BgpError } from '../wire/errors.ts';
import { Framer } from '../wire/message.ts';
import type { OpenMessage, PeerCapabilities } from '../wire/open.ts';
import type { Negotiated } from './negotiate.ts';
import type { BgpSocket } from '../transport.ts';

export type ConnState = 'connecting' | 'opensent' | 'openconfirm' | 'established' | 'closed';

export interface ConnectionHandler {
  onConnected(c: Connection): void;
  onMessage(c: Connection, type: number, buf: Buffer, start: number, end: number): void;
  onProtocolError(c: Connection, e: BgpError): void;
  /** A chunk of input completed at least one message (once per chunk, not per message). */
  onReceived(c: Connection): void;
  onClosed(c: Connection, why: string): void;
  onDrain(c: Connection): void;
}

let nextConnId = 1;
const OUTPUT_HIGH_WATER = 4 << 20;

export class Connection {
  readonly id = nextConnId++;
  state: ConnState;
  peerOpen?: OpenMessage;
  peerCaps?: PeerCapabilities;
  negotiated?: Negotiated;
  /** The TCP connection was established at some point. */
  everConnected: boolean;
  private framer = new Framer();
  private closing = false;
  needDrain = false;
  bytesOut = 0;

  constructor(
    readonly socket: BgpSocket,
    readonly outbound: boolean,
    private readonly h: ConnectionHandler,
    connected: boolean,
  ) {
    this.state = connected ? 'opensent' : 'connecting';
    this.everConnected = connected;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e: Error) => this.shut(`${e.message}`));
    socket.on('close', () => this.shut('connection closed by peer'));
    socket.on('end', () => this.shut('connection closed by peer'));
    socket.on('drain', () => {
      this.needDrain = false;
      if (this.state !== 'closed') this.h.onDrain(this);
    });
    if (!connected) {
      socket.once('connect', () => {
        if (this.state !== 'connecting') return;
        this.everConnected = true;
        this.state = 'opensent';
        this.h.onConnected(this);
      });
    }
  }

  /** Allows messages up to 65535 octets once extended messages are negotiated (RFC 8654). */
  setMaxLength(n: number): void {
    this.framer.maxLength = n;
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed' || this.closing) return;
    try {
      let first = true;
      this.framer.push(chunk, (type, buf, start, end) => {
        if (this.state === 'closed' || this.closing) return;
        if (first) {
          first = false;
          this.h.onReceived(this);
        }
        this.h.onMessage(this, type, buf, start, end);
      });
    } catch (e) {
      if (e instanceof BgpError) this.h.onProtocolError(this, e);
      else this.h.onProtocolError(this, new BgpError(6, 0, new Uint8Array(0), `internal error: ${(e as Error).message}`));
    }
  }

  /**
   * Writes; returns false once the output buffer holds more than OUTPUT_HIGH_WATER bytes, after
   * which the owner waits for onDrain. The stream's own high-water mark (16 KiB) would stall a
   * table dump after every few messages.
   */
  write(buf: Buffer): boolean {
    if (this.state === 'closed' || this.closing) return false;
    this.bytesOut += buf.length;
    this.socket.write(buf);
    if (this.socket.writableLength >= OUTPUT_HIGH_WATER) this.needDrain = true;
    return !this.needDrain;
  }

  /** Groups many writes into one system call. */
  batch(fn: () => void): void {
    const s = this.socket;
    s.cork();
    try {
      fn();
    } finally {
      process.nextTick(() => s.uncork());
    }
  }

  /** Sends `last` (a NOTIFICATION) if given, then closes; no more events are delivered. */
  close(last?: Buffer): void {
    if (this.state === 'closed' || this.closing) return;
    this.closing = true;
    this.state = 'closed';
    const s = this.socket;
    if (last && s.writable) {
      // once the NOTIFICATION is handed to the kernel the socket goes; a peer that never
      // closes its side cannot keep it half-open
      s.once('finish', () => s.destroy());
      s.end(last);
    } else {
      s.destroy();
    }
  }

  private shut(why: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.socket.destroy();
    this.h.onClosed(this, why);
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }
  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }
  get localPort(): number | undefined {
    return this.socket.localPort;
  }
  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }
}
