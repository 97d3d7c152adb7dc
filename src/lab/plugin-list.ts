// The plugins every lab runs, in order. A capability is added by listing its plugin here.

import type { LabPlugin } from './plugins.ts';

export const LAB_PLUGINS: readonly LabPlugin[] = [];
