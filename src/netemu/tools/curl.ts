// `curl` 8.5.0 over the emulated sockets: HTTP/1.1 (and HTTPS through node:tls on top of the
// emulated TCP stream), with curl's verbose lines, error messages and exit codes, -w variables,
// --resolve, --connect-timeout/-m, --fail, -I, -H, -d, -o, and the progress meter when the
// output is not a terminal.

import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { type Addr, fmtAddr, isV4, parseAddr } from '../addr.ts';
import type { ExecContext } from '../exec.ts';
import { Http1Parser, type HttpHead, headerValue } from '../http1.ts';
import { resolveAll } from '../resolver.ts';
import type { TcpSocket } from '../tcp.ts';
import { unescapeEcho } from './sh.ts';

const VERSION = 'curl/8.5.0';

interface CurlOpts {
  silent: boolean;
  showError: boolean;
  verbose: boolean;
  output?: string;
  writeOut?: string;
  headers: string[];
  connectTimeoutMs?: number;
  maxTimeMs?: number;
  fail: boolean;
  insecure: boolean;
  head: boolean;
  include: boolean;
  method?: string;
  data?: string;
  resolve: Map<string, Addr[]>;
  userAgent?: string;
  location: boolean;
  family: 4 | 6 | 'any';
  noProgress: boolean;
}

class CurlError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

interface Url {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  path: string;
  /** `host[:port]` as the Host header carries it. */
  hostHeader: string;
}

function parseUrl(raw: string): Url | undefined {
  let s = raw;
  let scheme: 'http' | 'https' = 'http';
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(s);
  if (m) {
    const sc = m[1]!.toLowerCase();
    if (sc !== 'http' && sc !== 'https') return undefined;
    scheme = sc;
    s = s.slice(m[0].length);
  }
  const slash = s.search(/[/?#]/);
  const authority = slash < 0 ? s : s.slice(0, slash);
  let path = slash < 0 ? '/' : s.slice(slash);
  if (path.startsWith('?')) path = `/${path}`;
  path = path.replace(/#.*/, '');
  const hostPort = authority.includes('@') ? authority.slice(authority.lastIndexOf('@') + 1) : authority;
  let host: string;
  let portText: string | undefined;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close < 0) return undefined;
    host = hostPort.slice(1, close);
    portText = hostPort.slice(close + 1).replace(/^:/, '') || undefined;
  } else {
    const colon = hostPort.lastIndexOf(':');
    host = colon < 0 ? hostPort : hostPort.slice(0, colon);
    portText = colon < 0 ? undefined : hostPort.slice(colon + 1);
  }
  if (host === '') return undefined;
  const defPort = scheme === 'https' ? 443 : 80;
  const port = portText === undefined || portText === '' ? defPort : Number(portText);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  const bracketed = host.includes(':') ? `[${host}]` : host;
  return { scheme, host, port, path, hostHeader: port === defPort ? bracketed : `${bracketed}:${port}` };
}

function seconds(v: string): number | undefined {
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n * 1000 : undefined;
}

const LONG_WITH_VALUE = new Set([
  '--output',
  '--write-out',
  '--header',
  '--connect-timeout',
  '--max-time',
  '--request',
  '--data',
  '--data-raw',
  '--data-binary',
  '--resolve',
  '--user-agent',
  '--url',
]);
const SHORT_WITH_VALUE: Record<string, string> = {
  o: '--output',
  w: '--write-out',
  H: '--header',
  m: '--max-time',
  X: '--request',
  d: '--data',
  A: '--user-agent',
};
const SHORT_FLAGS: Record<string, string> = {
  s: '--silent',
  S: '--show-error',
  v: '--verbose',
  f: '--fail',
  k: '--insecure',
  I: '--head',
  i: '--include',
  L: '--location',
  '4': '--ipv4',
  '6': '--ipv6',
};

function parseCurlArgs(argv: string[]): { opts: CurlOpts; urls: string[] } | CurlError {
  const opts: CurlOpts = {
    silent: false,
    showError: false,
    verbose: false,
    headers: [],
    fail: false,
    insecure: false,
    head: false,
    include: false,
    resolve: new Map(),
    location: false,
    family: 'any',
    noProgress: false,
  };
  const urls: string[] = [];
  const items: [string, string | undefined][] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a : a.slice(0, eq);
      if (LONG_WITH_VALUE.has(name)) {
        const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) return new CurlError(2, `option ${name}: requires parameter`);
        items.push([name, v]);
      } else items.push([name, undefined]);
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (SHORT_WITH_VALUE[c]) {
          const v = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
          if (v === undefined) return new CurlError(2, `option -${c}: requires parameter`);
          items.push([SHORT_WITH_VALUE[c], v]);
          break;
        }
        if (!SHORT_FLAGS[c]) return new CurlError(2, `option -${c}: is unknown`);
        items.push([SHORT_FLAGS[c], undefined]);
      }
    } else urls.push(a);
  }
  for (const [name, v] of items) {
    switch (name) {
      case '--silent':
        opts.silent = true;
        break;
      case '--show-error':
        opts.showError = true;
        break;
      case '--verbose':
        opts.verbose = true;
        break;
      case '--fail':
        opts.fail = true;
        break;
      case '--insecure':
        opts.insecure = true;
        break;
      case '--head':
        opts.head = true;
        break;
      case '--include':
        opts.include = true;
        break;
      case '--location':
        opts.location = true;
        break;
      case '--ipv4':
        opts.family = 4;
        break;
      case '--ipv6':
        opts.family = 6;
        break;
      case '--no-progress-meter':
        opts.noProgress = true;
        break;
      case '--http1.1':
        break;
      case '--output':
        opts.output = v;
        break;
      case '--write-out':
        opts.writeOut = v;
        break;
      case '--header':
        opts.headers.push(v!);
        break;
      case '--request':
        opts.method = v;
        break;
      case '--data':
      case '--data-raw':
      case '--data-binary':
        opts.data = opts.data === undefined ? v : `${opts.data}&${v}`;
        break;
      case '--user-agent':
        opts.userAgent = v;
        break;
      case '--url':
        urls.push(v!);
        break;
      case '--connect-timeout': {
        const ms = seconds(v!);
        if (ms === undefined) return new CurlError(2, `option --connect-timeout: expected a proper numerical parameter`);
        opts.connectTimeoutMs = ms;
        break;
      }
      case '--max-time': {
        const ms = seconds(v!);
        if (ms === undefined) return new CurlError(2, `option --max-time: expected a proper numerical parameter`);
        opts.maxTimeMs = ms;
        break;
      }
      case '--resolve': {
        const m = /^(\+?)([^:]+):(\d+):(.+)$/.exec(v!);
        const addrs = m?.[4]?.split(',').map((x) => parseAddr(x.replace(/^\[|\]$/g, '')));
        if (!m || !addrs || addrs.some((x) => x === undefined)) return new CurlError(49, "Couldn't parse CURLOPT_RESOLVE entry");
        opts.resolve.set(`${m[2]!.toLowerCase()}:${m[3]}`, addrs as Addr[]);
        break;
      }
      default:
        return new CurlError(2, `option ${name}: is unknown`);
    }
  }
  return { opts, urls };
}

interface Transfer {
  status: number;
  head?: HttpHead;
  bytes: number;
  remote?: { ip: string; port: number };
  local?: { ip: string; port: number };
  tStart: number;
  tConnect?: number;
  tEnd?: number;
  url: string;
  contentType?: string;
}

export async function curlCommand(ctx: ExecContext): Promise<number> {
  const parsed = parseCurlArgs(ctx.argv.slice(1));
  if (parsed instanceof CurlError) {
    ctx.stderr.write(`curl: ${parsed.message}\ncurl: try 'curl --help' or 'curl --manual' for more information\n`);
    return parsed.code;
  }
  const { opts, urls } = parsed;
  if (urls.length === 0) {
    ctx.stderr.write("curl: no URL specified!\ncurl: try 'curl --help' or 'curl --manual' for more information\n");
    return 2;
  }
  let last = 0;
  for (const raw of urls) {
    last = await transferOne(ctx, opts, raw);
  }
  return last;
}

/** -L: the Location of a 3xx response, resolved against the request URL. */
function redirectTarget(tr: Transfer): string | undefined {
  if (!tr.head || tr.status < 300 || tr.status > 399) return undefined;
  const loc = headerValue(tr.head, 'location');
  if (!loc) return undefined;
  try {
    return new URL(loc, tr.url).toString();
  } catch {
    return undefined;
  }
}

async function transferOne(ctx: ExecContext, opts: CurlOpts, raw: string, redirects = 0): Promise<number> {
  const host = ctx.host;
  const now = () => host.net.now();
  const verbose = (line: string) => {
    if (opts.verbose) ctx.stderr.write(`${line}\n`);
  };
  // elapsed times start on the Clock (modelled packet times run slightly ahead of it)
  const tr: Transfer = { status: 0, bytes: 0, tStart: ctx.clock.now(), url: raw };
  const bodySink = opts.output === '/dev/null' ? undefined : opts.output;
  if (bodySink !== undefined) host.writeFile(bodySink, '');
  const emitBody = (chunk: Buffer) => {
    tr.bytes += chunk.length;
    if (opts.location && redirectTarget(tr) !== undefined) return;
    if (opts.output === '/dev/null') return;
    if (bodySink !== undefined) host.writeFile(bodySink, chunk, true);
    else ctx.stdout.write(chunk.toString('utf8'));
  };
  const finish = (code: number, err?: CurlError): number => {
    tr.tEnd = now();
    if (err) {
      if (err.code === 22) verbose(`* ${err.message}`);
      verbose('* Closing connection');
    }
    if (!opts.silent && !opts.noProgress && !ctx.tty && !opts.verbose) progressMeter(ctx, tr);
    if (opts.writeOut !== undefined) ctx.stdout.write(writeOut(opts.writeOut, tr, code));
    if (err && (!opts.silent || opts.showError)) ctx.stderr.write(`curl: (${err.code}) ${err.message}\n`);
    return code;
  };
  const url = parseUrl(raw);
  if (!url) return finish(3, new CurlError(3, `URL rejected: Malformed input to a URL function`));
  tr.url = `${url.scheme}://${url.hostHeader}${url.path}`;
  const key = `${url.host.toLowerCase()}:${url.port}`;
  let addrs = opts.resolve.get(key);
  if (addrs) {
    verbose(`* Added ${key}:${addrs.map(fmtAddr).join(',')} to DNS cache`);
    verbose(`* Hostname ${url.host} was found in DNS cache`);
  } else {
    addrs = await resolveAll(host, url.host, opts.family, ctx.signal);
    if (!addrs || addrs.length === 0) {
      if (ctx.signal.aborted) return 130;
      return finish(6, new CurlError(6, `Could not resolve host: ${url.host}`));
    }
  }
  const ordered = [...addrs.filter((a) => !isV4(a)), ...addrs.filter(isV4)];
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const maxTimer = opts.maxTimeMs !== undefined ? ctx.clock.setTimeout(() => ac.abort(), opts.maxTimeMs) : undefined;
  try {
    let sock: TcpSocket | undefined;
    let lastErr: CurlError | undefined;
    for (const addr of ordered) {
      const ip = fmtAddr(addr);
      verbose(`*   Trying ${isV4(addr) ? ip : `[${ip}]`}:${url.port}...`);
      const r = await connectTcp(ctx, addr, url.port, opts.connectTimeoutMs ?? 300_000, ac.signal);
      if ('sock' in r) {
        sock = r.sock;
        break;
      }
      if (r.reason === 'aborted') {
        if (ctx.signal.aborted) return 130;
        lastErr = new CurlError(28, `Connection timed out after ${Math.round(now() - tr.tStart)} milliseconds`);
        break;
      }
      const spent = Math.round(now() - tr.tStart);
      if (r.reason === 'timeout') {
        lastErr = new CurlError(28, `Failed to connect to ${url.host} port ${url.port} after ${spent} ms: Timeout was reached`);
        break;
      }
      verbose(`* connect to ${ip} port ${url.port} from ${r.from ?? '0.0.0.0'} port ${r.fromPort ?? 0} failed: ${r.reason}`);
      lastErr = new CurlError(7, `Failed to connect to ${url.host} port ${url.port} after ${spent} ms: Couldn't connect to server`);
    }
    if (!sock) {
      if (lastErr?.code === 7) verbose(`* Failed to connect to ${url.host} port ${url.port} after ${Math.round(now() - tr.tStart)} ms: Couldn't connect to server`);
      return finish(lastErr?.code ?? 7, lastErr);
    }
    tr.tConnect = now();
    tr.remote = { ip: sock.remoteAddress!, port: sock.remotePort! };
    tr.local = { ip: sock.localAddress!, port: sock.localPort! };
    verbose(`* Connected to ${url.host} (${sock.remoteAddress}) port ${url.port}`);
    let stream: Duplex = sock;
    if (url.scheme === 'https') {
      const t = await startTls(sock, url.host, opts, verbose, ac.signal);
      if (t instanceof CurlError) {
        sock.destroy();
        return finish(t.code, t);
      }
      stream = t;
    }
    const method = opts.method ?? (opts.head ? 'HEAD' : opts.data !== undefined ? 'POST' : 'GET');
    const reqLines = buildRequest(method, url, opts);
    for (const l of reqLines) verbose(`> ${l}`);
    const result = await exchange(stream, reqLines, opts.data, method === 'HEAD', ac.signal, (h) => {
      tr.head = h;
      tr.status = h.status!;
      tr.contentType = headerValue(h, 'content-type');
      verbose(`< ${h.version} ${h.status} ${h.reason}`);
      for (const [k, v] of h.headers) verbose(`< ${k}: ${v}`);
      verbose('< ');
      if (opts.fail && h.status! >= 400) return false;
      if (opts.include || opts.head) {
        let text = `${h.version} ${h.status} ${h.reason}\r\n`;
        for (const [k, v] of h.headers) text += `${k}: ${v}\r\n`;
        ctx.stdout.write(`${text}\r\n`);
      }
      return true;
    }, emitBody);
    stream.destroy();
    if (result === 'ok') {
      verbose(`* Connection #0 to host ${url.host} left intact`);
      const next = opts.location ? redirectTarget(tr) : undefined;
      if (next !== undefined) {
        // curl's default --max-redirs is 50
        if (redirects >= 50) return finish(47, new CurlError(47, 'Maximum (50) redirects followed'));
        verbose(`* Issue another request to this URL: '${next}'`);
        return transferOne(ctx, opts, next, redirects + 1);
      }
      return finish(0);
    }
    if (result === 'failed') return finish(22, new CurlError(22, `The requested URL returned error: ${tr.status}`));
    if (result === 'aborted') {
      if (ctx.signal.aborted) return 130;
      return finish(28, new CurlError(28, `Operation timed out after ${Math.round(now() - tr.tStart)} milliseconds with ${tr.bytes} bytes received`));
    }
    if (result === 'empty') return finish(52, new CurlError(52, 'Empty reply from server'));
    if (result === 'reset') return finish(56, new CurlError(56, 'Recv failure: Connection reset by peer'));
    return finish(8, new CurlError(8, 'Weird server reply'));
  } finally {
    maxTimer?.cancel();
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

type ConnectResult = { sock: TcpSocket } | { reason: string; from?: string; fromPort?: number };

const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ENETUNREACH: 'Network is unreachable',
  EHOSTUNREACH: 'No route to host',
  ETIMEDOUT: 'Connection timed out',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EACCES: 'Permission denied',
};

function connectTcp(ctx: ExecContext, addr: Addr, port: number, timeoutMs: number, signal: AbortSignal): Promise<ConnectResult> {
  return new Promise((resolve) => {
    const sock = ctx.host.tcp.connect({ host: fmtAddr(addr), port });
    let done = false;
    const settle = (r: ConnectResult) => {
      if (done) return;
      done = true;
      timer.cancel();
      signal.removeEventListener('abort', onAbort);
      if (!('sock' in r)) sock.destroy();
      resolve(r);
    };
    const timer = ctx.clock.setTimeout(() => settle({ reason: 'timeout' }), timeoutMs);
    const onAbort = () => settle({ reason: 'aborted' });
    signal.addEventListener('abort', onAbort, { once: true });
    sock.on('connect', () => settle({ sock }));
    sock.on('error', (e: NodeJS.ErrnoException) =>
      settle({ reason: ERRNO_TEXT[e.code ?? ''] ?? e.message, from: sock.localAddress, fromPort: sock.localPort }),
    );
  });
}

function startTls(
  sock: TcpSocket,
  servername: string,
  opts: CurlOpts,
  verbose: (l: string) => void,
  signal: AbortSignal,
): Promise<Duplex | CurlError> {
  return new Promise((resolve) => {
    verbose('* ALPN: curl offers h2,http/1.1');
    const isIp = parseAddr(servername) !== undefined;
    const tls = tlsConnect({
      socket: sock,
      servername: isIp ? undefined : servername,
      rejectUnauthorized: !opts.insecure,
      ALPNProtocols: ['http/1.1'],
    });
    const onAbort = () => {
      tls.destroy();
      resolve(new CurlError(28, 'SSL connection timeout'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    tls.once('secureConnect', () => {
      signal.removeEventListener('abort', onAbort);
      const cipher = tls.getCipher();
      verbose(`* SSL connection using ${tls.getProtocol()} / ${cipher.standardName}`);
      verbose('* ALPN: server did not agree on a protocol. Uses default.');
      if (opts.insecure && tls.authorizationError) verbose('*  SSL certificate verify result: unable to get local issuer certificate (20), continuing anyway.');
      verbose('* using HTTP/1.x');
      resolve(tls);
    });
    tls.once('error', (e: NodeJS.ErrnoException) => {
      signal.removeEventListener('abort', onAbort);
      if (e.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || e.code === 'SELF_SIGNED_CERT_IN_CHAIN' || e.code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || e.code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY') {
        resolve(new CurlError(60, 'SSL certificate problem: unable to get local issuer certificate'));
      } else if (e.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
        resolve(new CurlError(60, `SSL: no alternative certificate subject name matches target host name '${servername}'`));
      } else resolve(new CurlError(35, `OpenSSL/3.0.13: error:0A000126:SSL routines::unexpected eof while reading`));
    });
  });
}

function buildRequest(method: string, url: Url, opts: CurlOpts): string[] {
  const defaults: [string, string][] = [
    ['Host', url.hostHeader],
    ['User-Agent', opts.userAgent ?? VERSION],
    ['Accept', '*/*'],
  ];
  if (opts.data !== undefined) {
    defaults.push(['Content-Length', String(Buffer.byteLength(opts.data))]);
    defaults.push(['Content-Type', 'application/x-www-form-urlencoded']);
  }
  const custom: [string, string][] = [];
  for (const h of opts.headers) {
    const colon = h.indexOf(':');
    if (colon <= 0) continue;
    custom.push([h.slice(0, colon).trim(), h.slice(colon + 1).trim()]);
  }
  // a custom header replaces curl's own of the same name; an empty value removes it
  const lines = [`${method} ${url.path} HTTP/1.1`];
  for (const [k, v] of defaults) {
    const c = custom.find(([ck]) => ck.toLowerCase() === k.toLowerCase());
    if (c) {
      if (c[1] !== '') lines.push(`${c[0]}: ${c[1]}`);
    } else lines.push(`${k}: ${v}`);
  }
  for (const [k, v] of custom) {
    if (defaults.some(([dk]) => dk.toLowerCase() === k.toLowerCase()) || v === '') continue;
    lines.push(`${k}: ${v}`);
  }
  lines.push('');
  return lines;
}

type ExchangeResult = 'ok' | 'failed' | 'aborted' | 'empty' | 'reset' | 'weird';

function exchange(
  stream: Duplex,
  reqLines: string[],
  body: string | undefined,
  isHead: boolean,
  signal: AbortSignal,
  onHead: (h: HttpHead) => boolean,
  onBody: (b: Buffer) => void,
): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    const parser = new Http1Parser('response', isHead);
    let got = false;
    let done = false;
    const settle = (r: ExchangeResult) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const onAbort = () => settle('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    let interim = false;
    parser.onHead = (h) => {
      interim = h.status! < 200;
      if (interim) return;
      if (!onHead(h)) settle('failed');
    };
    parser.onBody = (b) => {
      if (!done) onBody(b);
    };
    parser.onComplete = () => {
      if (!interim) settle('ok');
    };
    stream.on('data', (d: Buffer) => {
      got = true;
      parser.push(d);
      if (parser.error) settle('weird');
    });
    stream.on('end', () => {
      if (parser.close()) {
        if (!got) settle('empty');
        else settle('ok');
      } else settle(got ? 'reset' : 'empty');
    });
    stream.on('error', () => settle('reset'));
    stream.on('close', () => settle(got ? 'reset' : 'empty'));
    stream.write(`${reqLines.join('\r\n')}\r\n`);
    if (body !== undefined) stream.write(body);
  });
}

/** curl's -w/--write-out variables. */
function writeOut(fmt: string, tr: Transfer, exitCode: number): string {
  const secs = (t: number | undefined) => (t === undefined ? '0.000000' : ((t - tr.tStart) / 1000).toFixed(6));
  const vars: Record<string, string> = {
    http_code: String(tr.status).padStart(3, '0'),
    response_code: String(tr.status).padStart(3, '0'),
    remote_ip: tr.remote?.ip ?? '',
    remote_port: String(tr.remote?.port ?? ''),
    local_ip: tr.local?.ip ?? '',
    local_port: String(tr.local?.port ?? ''),
    time_total: secs(tr.tEnd),
    time_connect: secs(tr.tConnect),
    time_namelookup: '0.000000',
    size_download: String(tr.bytes),
    url_effective: tr.url,
    content_type: tr.contentType ?? '',
    exitcode: String(exitCode),
    num_connects: tr.remote ? '1' : '0',
  };
  const text = fmt.replace(/%\{([a-z_]+)\}/g, (m, name: string) => vars[name] ?? m);
  return unescapeEcho(text).text;
}

/** curl's max5data: a size in at most 5 characters. */
function max5(bytes: number): string {
  if (bytes < 100000) return String(Math.round(bytes)).padStart(5);
  if (bytes < 10000 * 1024) return `${String(Math.floor(bytes / 1024)).padStart(4)}k`;
  if (bytes < 100 * 1024 * 1024) {
    const mb = bytes / (1024 * 1024);
    return `${mb.toFixed(1).padStart(4)}M`;
  }
  return `${String(Math.floor(bytes / (1024 * 1024))).padStart(4)}M`;
}

function time2str(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s <= 0) return '--:--:--';
  return `${String(Math.floor(s / 3600)).padStart(2)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** The final state of curl's progress meter (what a pipe or file captures from stderr). */
function progressMeter(ctx: ExecContext, tr: Transfer): void {
  const elapsed = Math.max(0.001, ((tr.tEnd ?? tr.tStart) - tr.tStart) / 1000);
  const total = tr.head && headerValue(tr.head, 'content-length') !== undefined ? Number(headerValue(tr.head, 'content-length')) : tr.bytes;
  const pct = (n: number, of: number) => String(of > 0 ? Math.floor((n * 100) / of) : tr.bytes > 0 ? 100 : 0).padStart(3);
  const speed = max5(tr.bytes / elapsed);
  ctx.stderr.write('  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n');
  ctx.stderr.write('                                 Dload  Upload   Total   Spent    Left  Speed\n');
  ctx.stderr.write(
    `\r${pct(tr.bytes, total)} ${max5(total)}  ${pct(tr.bytes, total)} ${max5(tr.bytes)}    0     0 ${speed}      0 ${time2str(elapsed * 1000)} ${time2str(elapsed * 1000)} --:--:-- ${speed}\n`,
  );
}
