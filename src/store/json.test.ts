import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { cloneJson, deepFreeze, jsonEqual, NotJsonError } from './json.ts';

describe('store json helpers', () => {
  it('copies JSON values deeply and equal to a JSON round trip', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const c = cloneJson(v);
        assert.deepEqual(c, JSON.parse(JSON.stringify(v)));
        assert.ok(jsonEqual(c, v));
        if (v !== null && typeof v === 'object') assert.notEqual(c, v);
      }),
    );
  });

  it('drops undefined properties and names the path of what JSON cannot carry', () => {
    assert.deepEqual(cloneJson({ a: undefined, b: [undefined, 1] }), { b: [null, 1] });
    const bad = (v: unknown) => {
      try {
        cloneJson(v);
      } catch (e) {
        assert.ok(e instanceof NotJsonError);
        return e.message;
      }
      return 'no error';
    };
    assert.equal(bad({ spec: { ports: [{ port: Number.NaN }] } }), 'spec.ports[0].port: not a JSON value');
    assert.equal(bad({ m: new Map() }), 'm: not a JSON value');
    assert.equal(bad({ f: () => 1 }), 'f: not a JSON value');
    assert.equal(bad(10n), '<root>: not a JSON value');
  });

  it('keeps a "__proto__" key as data', () => {
    const v = JSON.parse('{"__proto__": {"x": 1}}');
    const c = cloneJson(v) as Record<string, unknown>;
    assert.deepEqual(Object.keys(c), ['__proto__']);
    assert.equal(Object.getPrototypeOf(c), Object.prototype);
  });

  it('freezes all the way down', () => {
    const v = deepFreeze({ a: { b: [{ c: 1 }] } });
    assert.ok(Object.isFrozen(v.a.b[0]));
    assert.throws(() => {
      (v.a.b[0] as { c: number }).c = 2;
    }, TypeError);
  });

  it('compares structurally, ignoring key order', () => {
    assert.ok(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }));
    assert.ok(!jsonEqual({ a: 1 }, { a: 1, b: 2 }));
    assert.ok(!jsonEqual([1], { 0: 1 }));
    assert.ok(!jsonEqual({ a: null }, { a: {} }));
  });
});
