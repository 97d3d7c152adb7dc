#!/usr/bin/env node
// `cilia bgp speaker` for the harness and the interop tests, startable from any working directory.
import { register } from 'tsx/esm/api';

register();
const { bgpSpeaker } = await import('../../src/speaker-command.ts');
process.exitCode = await bgpSpeaker(process.argv.slice(2), (line) => process.stderr.write(`${line}\n`));
