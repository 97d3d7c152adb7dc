// A node:net-shaped facade over one host's TCP stack, for protocol code written against node:net
// (the BGP speaker, HTTP clients and servers): `createConnection(opts, cb)`, `connect(...)`,
// `createServer(onConnection)`, plus `createSocket` for dgram-like UDP.

import type { Host } from './host.ts';
import type { TcpConnectOptions, TcpServer, TcpSocket } from './tcp.ts';
import type { RemoteInfo, UdpSocket } from './udp.ts';

export interface EmulatedNet {
  createConnection(opts: TcpConnectOptions, onConnect?: () => void): TcpSocket;
  createConnection(port: number, host?: string, onConnect?: () => void): TcpSocket;
  connect(opts: TcpConnectOptions, onConnect?: () => void): TcpSocket;
  connect(port: number, host?: string, onConnect?: () => void): TcpSocket;
  createServer(onConnection?: (s: TcpSocket) => void): TcpServer;
  createServer(opts: { allowHalfOpen?: boolean }, onConnection?: (s: TcpSocket) => void): TcpServer;
  createSocket(type: 'udp4' | 'udp6', onMessage?: (msg: Buffer, rinfo: RemoteInfo) => void): UdpSocket;
}

export function netFor(host: Host): EmulatedNet {
  const createConnection = (a: TcpConnectOptions | number, b?: string | (() => void), c?: () => void): TcpSocket => {
    if (typeof a === 'object') return host.tcp.connect(a, typeof b === 'function' ? b : undefined);
    const hostName = typeof b === 'string' ? b : 'localhost';
    return host.tcp.connect({ host: hostName, port: a }, typeof b === 'function' ? b : c);
  };
  return {
    createConnection: createConnection as EmulatedNet['createConnection'],
    connect: createConnection as EmulatedNet['connect'],
    createServer: ((a?: { allowHalfOpen?: boolean } | ((s: TcpSocket) => void), b?: (s: TcpSocket) => void) =>
      typeof a === 'function' ? host.tcp.createServer(a) : host.tcp.createServer(b, a ?? {})) as EmulatedNet['createServer'],
    createSocket: (type, onMessage) => host.udp.createSocket(type, onMessage),
  };
}
