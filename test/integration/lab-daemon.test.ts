// `npm start` as a user runs it: `cilia lab up` in its own process answers the API and exits on
// Ctrl-C (SIGINT) once stopped: nothing the lab armed on the real clock may keep it alive.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { test } from 'node:test';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

test('cilia lab up serves the API and exits 0 on SIGINT', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['bin/cilia.mjs', 'lab', 'up', 'labs/week5-bgp', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const up = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => child.stdout.on('data', () => /Press Ctrl-C to stop/.test(out) && resolve(true))),
  ]);
  assert.ok(up, `lab up did not come up:\n${out}`);

  const pods = (await (await fetch(`http://127.0.0.1:${port}/api/v1/namespaces/default/pods`)).json()) as { items: unknown[] };
  assert.equal(pods.items.length, 4, 'curl-pod and three webpods');

  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await exited;
  clearTimeout(timer);
  assert.equal(code, 0, `lab up must exit by itself after SIGINT:\n${out}`);
  assert.match(out, /stopping the lab/);
});
