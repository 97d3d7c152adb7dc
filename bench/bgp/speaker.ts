// Runs the standalone speaker (what `cilia bgp speaker` will run), for the harness and the
// interop tests until the CLI command is wired:
//   node bench/bgp/speaker.mjs --config FILE [--listen ADDR] [--port N] [--control PATH|HOST:PORT] [--log]

import { RealClock } from '../../src/controller/clock.ts';
import { FrrConfigError, runSpeaker } from '../../src/bgp/standalone.ts';

const argv = process.argv.slice(2);
const opt = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const configFile = opt('config');
if (!configFile) {
  console.error('usage: speaker --config FILE [--listen ADDR] [--port N] [--control PATH] [--log]');
  process.exit(2);
}
try {
  const port = opt('port');
  const running = await runSpeaker({
    configFile,
    ...(opt('listen') !== undefined ? { listen: opt('listen')! } : {}),
    ...(port !== undefined ? { port: Number(port) } : {}),
    ...(opt('control') !== undefined ? { control: opt('control')! } : {}),
    clock: new RealClock(),
    ...(argv.includes('--log') ? { log: (l: string) => console.error(l) } : {}),
  });
  console.error(`speaker: running, control ${running.control}`);
  const stop = () => {
    running.close('shutting down').then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (e) {
  if (e instanceof FrrConfigError) {
    console.error(e.message);
    process.exit(1);
  }
  console.error(`speaker: ${(e as Error).message}`);
  process.exit(1);
}
