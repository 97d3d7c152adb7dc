// How the speaker reaches the network: any Duplex plus a connect and a listen function. The
// node:net implementation is below; the emulated network of a lab provides its own with the same
// shapes (createConnection / createServer), see transportFromNetLike.

import type { Duplex } from 'node:stream';

export interface BgpSocket extends Duplex {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  setNoDelay?(noDelay?: boolean): unknown;
}

export interface ConnectOptions {
  host: string;
  port: number;
  localAddress?: string;
  /** TCP MD5 signature key (RFC 2385). */
  md5Password?: string;
  /** IP TTL for the session (eBGP multihop); undefined = system default. */
  ttl?: number;
}

export interface Listener {
  close(): void;
  /** Installs (or with undefined, removes) the TCP MD5 key for connections from `peer`. */
  setPeerPassword?(peer: string, password: string | undefined): void;
  readonly address: string;
  readonly port: number;
}

export interface ListenOptions {
  host: string;
  port: number;
}

export interface Transport {
  /** Starts a connection; the socket emits 'connect' once established, or 'error'. */
  connect(opts: ConnectOptions): BgpSocket;
  /** Listens; resolves once bound, rejects when the address cannot be used. */
  listen(opts: ListenOptions, onConnection: (s: BgpSocket) => void): Promise<Listener>;
  /** What this transport can apply; the speaker refuses settings a transport cannot honour. */
  readonly supports: { md5: boolean; ttl: boolean };
  /** Sets the TTL of an established socket (eBGP multihop); only when supports.ttl. */
  setTtl?(socket: BgpSocket, ttl: number): void;
}

/** The subset of node:net a transport needs (the emulated network mimics it). */
export interface NetLike {
  createConnection(opts: { host: string; port: number; localAddress?: string }): BgpSocket;
  createServer(onConnection: (s: BgpSocket) => void): {
    listen(opts: { host: string; port: number }, cb: () => void): unknown;
    once(ev: 'error', fn: (e: Error) => void): unknown;
    close(): unknown;
    address(): { address: string; port: number } | string | null;
  };
}

/** A transport over anything shaped like node:net, without MD5 or TTL support. */
export function transportFromNetLike(net: NetLike): Transport {
  return {
    supports: { md5: false, ttl: false },
    connect(opts) {
      if (opts.md5Password !== undefined || opts.ttl !== undefined) {
        throw new Error('this transport cannot set TCP MD5 or TTL');
      }
      const c: { host: string; port: number; localAddress?: string } = { host: opts.host, port: opts.port };
      if (opts.localAddress) c.localAddress = opts.localAddress;
      return net.createConnection(c);
    },
    listen(opts, onConnection) {
      return new Promise((resolve, reject) => {
        const server = net.createServer(onConnection);
        server.once('error', reject);
        server.listen({ host: opts.host, port: opts.port }, () => {
          const a = server.address();
          const port = typeof a === 'object' && a ? a.port : opts.port;
          resolve({ address: opts.host, port, close: () => server.close() });
        });
      });
    },
  };
}
