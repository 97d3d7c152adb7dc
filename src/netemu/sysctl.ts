// The sysctl keys the emulated kernel implements, with their defaults and validation. Only keys
// the stack actually reads are listed; anything else is "cannot stat", as on a kernel without it.

const int =
  (min: number, max: number) =>
  (v: string): string | undefined => {
    const t = v.trim();
    if (!/^-?[0-9]+$/.test(t)) return undefined;
    const n = Number(t);
    return n >= min && n <= max ? String(n) : undefined;
  };

const portRange = (v: string): string | undefined => {
  const m = /^\s*([0-9]+)\s+([0-9]+)\s*$/.exec(v);
  if (!m) return undefined;
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  return lo >= 1 && hi <= 65535 && lo < hi ? `${lo}\t${hi}` : undefined;
};

/** The keys, their defaults (forwarding ones depend on the host) and validators. */
const DEFS: [string, string, (v: string) => string | undefined][] = [
  ['net.ipv4.ip_forward', '0', int(0, 1)],
  ['net.ipv4.conf.all.forwarding', '0', int(0, 1)],
  ['net.ipv6.conf.all.forwarding', '0', int(0, 1)],
  // 0 = L3, 1 = L4 five-tuple (2 and 3, inner-L3 and custom, hash like 0 here)
  ['net.ipv4.fib_multipath_hash_policy', '0', int(0, 3)],
  ['net.ipv6.fib_multipath_hash_policy', '0', int(0, 3)],
  ['net.ipv4.ip_local_port_range', '32768\t60999', portRange],
  ['net.ipv4.ip_default_ttl', '64', int(1, 255)],
  ['net.ipv4.tcp_syn_retries', '6', int(1, 127)],
  ['net.ipv4.tcp_synack_retries', '5', int(0, 255)],
  ['net.ipv4.tcp_retries2', '15', int(0, 255)],
  ['net.ipv4.tcp_fin_timeout', '60', int(1, 600)],
  ['net.ipv4.icmp_echo_ignore_all', '0', int(0, 1)],
  ['net.ipv4.neigh.default.base_reachable_time_ms', '30000', int(1, 2 ** 31 - 1)],
  ['net.ipv4.neigh.default.retrans_time_ms', '1000', int(1, 2 ** 31 - 1)],
  ['net.ipv4.neigh.default.gc_stale_time', '60', int(0, 2 ** 31 - 1)],
];
const PARSERS = new Map(DEFS.map(([k, , p]) => [k, p]));

export class Sysctl {
  private readonly values = new Map<string, string>();
  private readonly listeners = new Map<string, ((v: string) => void)[]>();

  constructor(forwarding: boolean) {
    for (const [k, v] of DEFS) this.values.set(k, v);
    if (forwarding) {
      this.values.set('net.ipv4.ip_forward', '1');
      this.values.set('net.ipv4.conf.all.forwarding', '1');
    }
  }

  static normalise(key: string): string {
    return key.replaceAll('/', '.');
  }

  has(key: string): boolean {
    return this.values.has(Sysctl.normalise(key));
  }

  get(key: string): string | undefined {
    return this.values.get(Sysctl.normalise(key));
  }

  getInt(key: string): number {
    return Number(this.values.get(key) ?? '0');
  }

  /** Sets a key; returns 'ENOENT' or 'EINVAL' on failure. */
  set(key: string, value: string): 'ENOENT' | 'EINVAL' | undefined {
    const k = Sysctl.normalise(key);
    const parse = PARSERS.get(k);
    if (!parse) return 'ENOENT';
    const v = parse(value);
    if (v === undefined) return 'EINVAL';
    const changed = this.values.get(k) !== v;
    this.values.set(k, v);
    // ip_forward and conf.all.forwarding are one knob in the kernel
    if (k === 'net.ipv4.ip_forward') this.values.set('net.ipv4.conf.all.forwarding', v);
    if (k === 'net.ipv4.conf.all.forwarding') this.values.set('net.ipv4.ip_forward', v);
    if (changed) for (const l of this.listeners.get(k) ?? []) l(v);
    return undefined;
  }

  onChange(key: string, fn: (v: string) => void): void {
    const list = this.listeners.get(key) ?? [];
    list.push(fn);
    this.listeners.set(key, list);
  }

  entries(): [string, string][] {
    return [...this.values].sort((a, b) => a[0].localeCompare(b[0]));
  }
}
