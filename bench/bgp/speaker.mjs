#!/usr/bin/env node
// Launcher for speaker.ts that works from any working directory.
import { register } from 'tsx/esm/api';

register();
await import('./speaker.ts');
