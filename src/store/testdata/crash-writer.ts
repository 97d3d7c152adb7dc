// Child process of crash.slow.test.ts: writes to a persistent store until it is killed, printing
// one line per acknowledged write ("put NAME REV" or "del NAME REV") and, before a delete is
// issued, "try NAME" (stdout to a pipe is synchronous on Linux, so the parent always sees it).
// Usage: node --import tsx crash-writer.ts DATA_DIR ROUND

import { Rng } from '../../controller/rng.ts';
import { GK } from '../../k8s/kinds.ts';
import type { KObject } from '../../k8s/object.ts';
import { MemoryStore } from '../memory.ts';

const [dir, round] = process.argv.slice(2);
if (!dir || !round) throw new Error('usage: crash-writer.ts DATA_DIR ROUND');
const store = await MemoryStore.open({ dataDir: dir, rng: new Rng(`crash-${round}`), snapshotBytes: 64 << 10 });
if (!(await store.get(GK.Namespace, undefined, 'default'))) await store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });

let i = 0;
for (;;) {
  // Several writes in flight at once, so the kill lands while a group commit is being written.
  const batch: Promise<void>[] = [];
  for (let k = 0; k < 16; k++) {
    const name = `r${round}-${i++}`;
    const data = { payload: 'x'.repeat(i % 200) };
    batch.push(
      store
        .create<KObject>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data })
        .then((o) => void process.stdout.write(`put ${name} ${o.metadata.resourceVersion}\n`)),
    );
    if (i % 5 === 0 && i > 16) {
      const victim = `r${round}-${i - 16}`;
      process.stdout.write(`try ${victim}\n`);
      batch.push(store.delete(GK.ConfigMap, 'default', victim).then((o) => void process.stdout.write(`del ${victim} ${o.metadata.resourceVersion}\n`)));
    }
  }
  await Promise.all(batch);
}
