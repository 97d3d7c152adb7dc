// Runs raw bytes through framing and decoding and names the outcome (fuzz and corpus suites).

import { MsgType } from '../constants.ts';
import { decodeBody } from '../decode.ts';
import { BgpError } from '../errors.ts';
import { Framer } from '../message.ts';
import { forEachNlri4, forEachNlri6 } from '../prefix.ts';
import type { DecodeContext } from '../update.ts';

export type Outcome = { kind: 'reset'; code: number; subcode: number } | { kind: 'withdraw' } | { kind: 'discard' } | { kind: 'ok' } | { kind: 'partial' };

export function outcomeOf(bytes: Buffer, ctx: DecodeContext, maxLength = 4096): Outcome[] {
  const out: Outcome[] = [];
  const framer = new Framer();
  framer.maxLength = maxLength;
  try {
    framer.push(bytes, (type, buf, s, e) => {
      const d = decodeBody(type, buf, s, e, ctx);
      if (d.type !== MsgType.UPDATE) {
        out.push({ kind: 'ok' });
        return;
      }
      const v = d.update;
      // every region the decoder accepted must be walkable
      const noop = () => {};
      forEachNlri4(v.buf, v.withdrawnStart, v.withdrawnEnd, ctx.addPath4, noop);
      forEachNlri4(v.buf, v.nlriStart, v.nlriEnd, ctx.addPath4, noop);
      for (const r of [v.mpReach, v.mpUnreach]) {
        if (!r?.family) continue;
        if (r.family === 'ipv4-unicast') forEachNlri4(v.buf, r.nlriStart, r.nlriEnd, ctx.addPath4, noop);
        else forEachNlri6(v.buf, r.nlriStart, r.nlriEnd, ctx.addPath6, noop);
      }
      if (v.treatAsWithdraw) out.push({ kind: 'withdraw' });
      else if (v.discarded.length > 0) out.push({ kind: 'discard' });
      else out.push({ kind: 'ok' });
    });
  } catch (e) {
    if (!(e instanceof BgpError)) throw e;
    out.push({ kind: 'reset', code: e.code, subcode: e.subcode });
    return out;
  }
  if (framer.buffered() > 0) out.push({ kind: 'partial' });
  return out;
}

export function parseContext(text: string): DecodeContext {
  const words = text.trim().split(/\s+/);
  const first = words.find((w) => w.startsWith('first-as='));
  return {
    as4: !words.includes('as2'),
    ebgp: words.includes('ebgp'),
    firstAs: first ? Number(first.slice('first-as='.length)) : 0,
    addPath4: words.includes('addpath'),
    addPath6: words.includes('addpath'),
  };
}
