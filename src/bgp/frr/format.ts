// Time and number formats of FRR's show commands.

/** bgpd peer_uptime() / zebra's route age: "00:17:29", "1d02h03m", "02w3d04h", "01y02w3d"; never = "never". */
export function frrUptime(sinceMs: number, nowMs: number): string {
  if (sinceMs <= 0) return 'never';
  const s = Math.max(0, Math.floor((nowMs - sinceMs) / 1000));
  const d = new Date(s * 1000);
  const yday = Math.floor(s / 86400) % 365;
  const p = (n: number) => String(n).padStart(2, '0');
  if (s < 86400) return `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  if (s < 7 * 86400) return `${yday}d${p(d.getUTCHours())}h${p(d.getUTCMinutes())}m`;
  if (s < 365 * 86400) return `${p(Math.floor(yday / 7))}w${yday % 7}d${p(d.getUTCHours())}h`;
  return `${p(Math.floor(s / (365 * 86400)))}y${p(Math.floor(yday / 7))}w${yday % 7}d`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** ctime(3) without the newline, in local time: "Sat Aug 16 14:10:56 2025". */
export function ctime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  const day = String(d.getDate()).padStart(2, ' ');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${day} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${d.getFullYear()}`;
}

export function padLeft(s: string | number, w: number): string {
  return String(s).padStart(w, ' ');
}
