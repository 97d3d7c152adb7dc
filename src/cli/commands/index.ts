// Feature command groups (bgp, service/bpf/map, l2 ...) register themselves here; each module
// exports a function that adds its commands to the program.

import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { registerBgpCommands } from './bgp.ts';
import { registerLbCommands } from './lb.ts';
import { registerL2Commands } from './l2.ts';
import { registerLabCommands } from './lab.ts';

export type RegisterCommands = (program: Command, ctx: CliContext, run: (p: Promise<number>) => void) => void;

export const FEATURE_COMMANDS: RegisterCommands[] = [registerLbCommands, registerBgpCommands, registerL2Commands, registerLabCommands];
