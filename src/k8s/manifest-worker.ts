// A worker thread of manifest-threads.ts: takes batches of the job it was started with, hands back what it parsed.

import { parentPort, workerData } from 'node:worker_threads';
import { type BatchJob, workOnBatches } from './manifest-threads.ts';

parentPort?.postMessage(workOnBatches(workerData as BatchJob));
