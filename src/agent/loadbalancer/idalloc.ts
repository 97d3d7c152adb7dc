// Service and backend ID allocation as cilium pkg/loadbalancer/reconciler/id_allocator.go: IDs
// are handed out upwards from the last one allocated (freed IDs are not reused until the range
// wraps). IDs restored from the maps are reserved until their owner claims them or pruning
// releases them; the caller keeps the owner → ID association.

export class IdAllocator {
  private readonly used = new Set<number>();
  private nextId: number;

  /** IDs in [first, maxExclusive). */
  constructor(
    private readonly first: number,
    private readonly maxExclusive: number,
  ) {
    this.nextId = first;
  }

  /** Marks an ID as taken (restored from the maps); allocation continues above the highest one. */
  reserve(id: number): void {
    this.used.add(id);
    if (id + 1 > this.nextId && id + 1 < this.maxExclusive) this.nextId = id + 1;
  }

  /** The next free ID, or undefined when the range is exhausted. */
  allocate(): number | undefined {
    if (this.used.size >= this.maxExclusive - this.first) return undefined;
    for (;;) {
      if (this.nextId >= this.maxExclusive) this.nextId = this.first;
      const id = this.nextId++;
      if (!this.used.has(id)) {
        this.used.add(id);
        return id;
      }
    }
  }

  release(id: number): void {
    this.used.delete(id);
  }

  get size(): number {
    return this.used.size;
  }
}
