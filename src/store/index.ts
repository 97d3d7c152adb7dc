// The store: the ResourceStore interface and the embedded MemoryStore (optionally persisted).

export { cloneJson, deepFreeze, jsonEqual, thaw } from './json.ts';
export { type Admit, MemoryStore, type MemoryStoreOptions, type Patcher } from './memory.ts';
export { resourceName } from './meta.ts';
export * from './types.ts';
