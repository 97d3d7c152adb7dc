#!/usr/bin/env node
// Launcher for sut.ts that works from any working directory (the harness runs it in its run dir).
import { register } from 'tsx/esm/api';

register();
await import('./sut.ts');
