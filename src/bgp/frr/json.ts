// JSON the way FRR prints it through json-c: PRETTY (two-space indent, no space after the colon)
// and PLAIN (no whitespace), slashes escaped or not depending on the command.

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

function str(s: string, escapeSlash: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '/' && escapeSlash) out += '\\/';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** json-c JSON_C_TO_STRING_PRETTY (with JSON_C_TO_STRING_NOSLASHESCAPE unless escapeSlash). */
export function pretty(v: Json, escapeSlash = false, indent = 0): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return str(v, escapeSlash);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const pad = '  '.repeat(indent + 1);
  const end = '  '.repeat(indent);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[\n' + end + ']';
    return `[\n${v.map((x) => pad + pretty(x, escapeSlash, indent + 1)).join(',\n')}\n${end}]`;
  }
  const keys = Object.keys(v);
  if (keys.length === 0) return '{\n' + end + '}';
  return `{\n${keys.map((k) => `${pad}${str(k, escapeSlash)}:${pretty(v[k]!, escapeSlash, indent + 1)}`).join(',\n')}\n${end}}`;
}

/** json-c JSON_C_TO_STRING_PLAIN. */
export function plain(v: Json, escapeSlash = false): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return str(v, escapeSlash);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => plain(x, escapeSlash)).join(',')}]`;
  return `{${Object.keys(v)
    .map((k) => `${str(k, escapeSlash)}:${plain(v[k]!, escapeSlash)}`)
    .join(',')}}`;
}
