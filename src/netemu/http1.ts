// An incremental HTTP/1.x message parser (RFC 9112 framing: Content-Length, chunked, or
// close-delimited responses) shared by curl and the emulated web servers.

export interface HttpHead {
  /** Requests */
  method?: string;
  target?: string;
  /** Responses */
  status?: number;
  reason?: string;
  version: string;
  /** Header fields in arrival order, names as sent. */
  headers: [string, string][];
}

export function headerValue(h: HttpHead, name: string): string | undefined {
  const n = name.toLowerCase();
  for (const [k, v] of h.headers) if (k.toLowerCase() === n) return v;
  return undefined;
}

type BodyMode = { kind: 'none' } | { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' };

const MAX_HEAD = 64 * 1024;

export class Http1Parser {
  private buf: Buffer = Buffer.alloc(0);
  private head: HttpHead | undefined;
  private body: BodyMode = { kind: 'none' };
  private chunkLeft = 0;
  private chunkState: 'size' | 'data' | 'crlf' | 'trailers' = 'size';
  error: string | undefined;
  onHead: ((h: HttpHead) => void) | undefined;
  onBody: ((chunk: Buffer) => void) | undefined;
  onComplete: ((h: HttpHead) => void) | undefined;

  constructor(
    private readonly kind: 'request' | 'response',
    /** Response to HEAD: no body whatever the headers say. */
    private readonly isHeadRequest = false,
  ) {}

  push(chunk: Buffer): void {
    if (this.error) return;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.run();
  }

  /** The connection closed: completes a close-delimited body; false when a message was cut short. */
  close(): boolean {
    if (this.head && this.body.kind === 'close') {
      const h = this.head;
      this.reset();
      this.onComplete?.(h);
      return true;
    }
    return this.head === undefined && this.buf.length === 0;
  }

  /** Something arrived but no message was complete. */
  get partial(): boolean {
    return this.head !== undefined || this.buf.length > 0;
  }

  private reset(): void {
    this.head = undefined;
    this.body = { kind: 'none' };
    this.chunkLeft = 0;
    this.chunkState = 'size';
  }

  private run(): void {
    for (;;) {
      if (!this.head) {
        const end = this.buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (this.buf.length > MAX_HEAD) this.error = 'header too large';
          return;
        }
        const text = this.buf.subarray(0, end).toString('latin1');
        this.buf = this.buf.subarray(end + 4);
        const head = this.parseHead(text);
        if (!head) return;
        this.head = head;
        this.body = this.framing(head);
        this.onHead?.(head);
        if (this.body.kind === 'none') {
          this.reset();
          this.onComplete?.(head);
          continue;
        }
      }
      if (!this.bodyStep()) return;
    }
  }

  private parseHead(text: string): HttpHead | undefined {
    const lines = text.split('\r\n');
    const first = lines.shift() ?? '';
    const headers: [string, string][] = [];
    for (const l of lines) {
      const colon = l.indexOf(':');
      if (colon <= 0 || /\s/.test(l[colon - 1]!)) {
        this.error = 'bad header line';
        return undefined;
      }
      headers.push([l.slice(0, colon), l.slice(colon + 1).trim()]);
    }
    if (this.kind === 'request') {
      const m = /^([A-Z]+) (\S+) (HTTP\/1\.[01])$/.exec(first);
      if (!m) {
        this.error = 'bad request line';
        return undefined;
      }
      return { method: m[1]!, target: m[2]!, version: m[3]!, headers };
    }
    const m = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(first);
    if (!m) {
      this.error = 'bad status line';
      return undefined;
    }
    return { status: Number(m[2]), reason: m[3] ?? '', version: m[1]!, headers };
  }

  private framing(h: HttpHead): BodyMode {
    if (this.kind === 'response') {
      const s = h.status!;
      if (this.isHeadRequest || (s >= 100 && s < 200) || s === 204 || s === 304) return { kind: 'none' };
    }
    const te = headerValue(h, 'transfer-encoding');
    if (te && /chunked\s*$/i.test(te)) return { kind: 'chunked' };
    const cl = headerValue(h, 'content-length');
    if (cl !== undefined) {
      const n = Number(cl);
      if (!/^\d+$/.test(cl) || !Number.isSafeInteger(n)) {
        this.error = 'bad content-length';
        return { kind: 'none' };
      }
      return n === 0 ? { kind: 'none' } : { kind: 'length', left: n };
    }
    return this.kind === 'request' ? { kind: 'none' } : { kind: 'close' };
  }

  /** Consumes body bytes; returns true when a message completed and parsing should continue. */
  private bodyStep(): boolean {
    const b = this.body;
    if (b.kind === 'close') {
      if (this.buf.length > 0) this.onBody?.(this.buf);
      this.buf = Buffer.alloc(0);
      return false;
    }
    if (b.kind === 'length') {
      const n = Math.min(b.left, this.buf.length);
      if (n > 0) this.onBody?.(this.buf.subarray(0, n));
      this.buf = this.buf.subarray(n);
      b.left -= n;
      if (b.left > 0) return false;
      return this.complete();
    }
    for (;;) {
      if (this.chunkState === 'size' || this.chunkState === 'trailers' || this.chunkState === 'crlf') {
        const eol = this.buf.indexOf('\r\n');
        if (eol < 0) return false;
        const line = this.buf.subarray(0, eol).toString('latin1');
        this.buf = this.buf.subarray(eol + 2);
        if (this.chunkState === 'crlf') {
          this.chunkState = 'size';
          continue;
        }
        if (this.chunkState === 'trailers') {
          if (line === '') return this.complete();
          continue;
        }
        const size = Number.parseInt(line.split(';')[0]!.trim(), 16);
        if (!/^[0-9a-fA-F]+/.test(line.trim()) || !Number.isFinite(size)) {
          this.error = 'bad chunk size';
          return false;
        }
        if (size === 0) this.chunkState = 'trailers';
        else {
          this.chunkLeft = size;
          this.chunkState = 'data';
        }
        continue;
      }
      const n = Math.min(this.chunkLeft, this.buf.length);
      if (n > 0) this.onBody?.(this.buf.subarray(0, n));
      this.buf = this.buf.subarray(n);
      this.chunkLeft -= n;
      if (this.chunkLeft > 0) return false;
      this.chunkState = 'crlf';
    }
  }

  private complete(): boolean {
    const h = this.head!;
    this.reset();
    this.onComplete?.(h);
    return true;
  }
}

/** The reason phrase Go's net/http and Envoy send for common codes. */
export const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

let lastDateSec = -1;
let lastDate = '';

/** RFC 7231 IMF-fixdate, as the Date header carries it (formatted once per second, like net/http). */
export function httpDate(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec !== lastDateSec) {
    lastDateSec = sec;
    lastDate = new Date(sec * 1000).toUTCString();
  }
  return lastDate;
}
