// A free-block allocator over one inclusive range of bigint addresses (an IPv4 /8 or an IPv6 /64
// costs nothing until addresses are handed out). Allocated addresses live in a Map; the free space
// is a set of disjoint blocks kept in two balanced trees: by start address (to find the block
// holding an address and to merge neighbours on free) and by (size, start) (to pick the next one).
// `allocAny` takes the lowest address of the smallest free block, as Cilium's pkg/ipalloc does,
// so a fresh range is handed out sequentially and freed holes are reused before untouched space;
// Cilium leaves ties between equal-size blocks to heap order, here the lower block wins.
// Memory and time are proportional to allocations and fragmentation, never to the range size.

interface Block {
  from: bigint;
  to: bigint;
  /** to - from, kept so that ordering by size allocates nothing. */
  span: bigint;
}

interface Node<V> {
  value: V;
  left: Node<V> | undefined;
  right: Node<V> | undefined;
  height: number;
}

const height = <V>(n: Node<V> | undefined): number => (n ? n.height : 0);

function fix<V>(n: Node<V>): Node<V> {
  n.height = Math.max(height(n.left), height(n.right)) + 1;
  return n;
}

function rotateRight<V>(n: Node<V>): Node<V> {
  const l = n.left!;
  n.left = l.right;
  l.right = fix(n);
  return fix(l);
}

function rotateLeft<V>(n: Node<V>): Node<V> {
  const r = n.right!;
  n.right = r.left;
  r.left = fix(n);
  return fix(r);
}

function balance<V>(n: Node<V>): Node<V> {
  fix(n);
  const b = height(n.left) - height(n.right);
  if (b > 1) {
    if (height(n.left!.left) < height(n.left!.right)) n.left = rotateLeft(n.left!);
    return rotateRight(n);
  }
  if (b < -1) {
    if (height(n.right!.right) < height(n.right!.left)) n.right = rotateRight(n.right!);
    return rotateLeft(n);
  }
  return n;
}

/** An AVL tree of distinct values under a total order. */
class OrderedSet<V> {
  private root: Node<V> | undefined;
  private count = 0;

  constructor(private readonly cmp: (a: V, b: V) => number) {}

  get size(): number {
    return this.count;
  }

  insert(value: V): void {
    this.root = this.insertAt(this.root, value);
    this.count++;
  }

  delete(value: V): void {
    this.root = this.deleteAt(this.root, value);
    this.count--;
  }

  min(): V | undefined {
    let n = this.root;
    if (!n) return undefined;
    while (n.left) n = n.left;
    return n.value;
  }

  /** The greatest value v with `probe(v) <= 0` (probe < 0: v is below the target). */
  floor(probe: (v: V) => number): V | undefined {
    let n = this.root;
    let best: V | undefined;
    while (n) {
      if (probe(n.value) <= 0) {
        best = n.value;
        n = n.right;
      } else {
        n = n.left;
      }
    }
    return best;
  }

  /** The least value v with `probe(v) >= 0`. */
  ceil(probe: (v: V) => number): V | undefined {
    let n = this.root;
    let best: V | undefined;
    while (n) {
      if (probe(n.value) >= 0) {
        best = n.value;
        n = n.left;
      } else {
        n = n.right;
      }
    }
    return best;
  }

  *values(): IterableIterator<V> {
    const stack: Node<V>[] = [];
    let n = this.root;
    while (n || stack.length > 0) {
      while (n) {
        stack.push(n);
        n = n.left;
      }
      const top = stack.pop()!;
      yield top.value;
      n = top.right;
    }
  }

  private insertAt(n: Node<V> | undefined, value: V): Node<V> {
    if (!n) return { value, left: undefined, right: undefined, height: 1 };
    if (this.cmp(value, n.value) < 0) n.left = this.insertAt(n.left, value);
    else n.right = this.insertAt(n.right, value);
    return balance(n);
  }

  private deleteAt(n: Node<V> | undefined, value: V): Node<V> | undefined {
    if (!n) throw new Error('OrderedSet: value not present');
    const c = this.cmp(value, n.value);
    if (c < 0) n.left = this.deleteAt(n.left, value);
    else if (c > 0) n.right = this.deleteAt(n.right, value);
    else {
      if (!n.left) return n.right;
      if (!n.right) return n.left;
      let succ = n.right;
      while (succ.left) succ = succ.left;
      n.value = succ.value;
      n.right = this.deleteAt(n.right, succ.value);
    }
    return balance(n);
  }
}

const byStart = (a: Block, b: Block): number => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0);

function bySizeThenStart(a: Block, b: Block): number {
  if (a.span !== b.span) return a.span < b.span ? -1 : 1;
  return byStart(a, b);
}

export type AllocResult = 'ok' | 'in-use' | 'out-of-range';

export class RangeAllocator<T> {
  private readonly used = new Map<bigint, T>();
  private readonly freeByStart = new OrderedSet<Block>(byStart);
  private readonly freeBySize = new OrderedSet<Block>(bySizeThenStart);

  /** An allocator over `from`..`to` inclusive; throws when `from > to` (a programming error). */
  constructor(
    readonly from: bigint,
    readonly to: bigint,
  ) {
    if (from > to) throw new RangeError(`RangeAllocator: from ${from} is after to ${to}`);
    this.addBlock({ from, to, span: to - from });
  }

  /** Number of addresses in the range. */
  get size(): bigint {
    return this.to - this.from + 1n;
  }

  get allocatedCount(): number {
    return this.used.size;
  }

  get availableCount(): bigint {
    return this.size - BigInt(this.used.size);
  }

  /** Number of free blocks (a measure of fragmentation). */
  get freeBlockCount(): number {
    return this.freeByStart.size;
  }

  contains(addr: bigint): boolean {
    return addr >= this.from && addr <= this.to;
  }

  has(addr: bigint): boolean {
    return this.used.has(addr);
  }

  get(addr: bigint): T | undefined {
    return this.used.get(addr);
  }

  /** Replaces the value of an allocated address; false when it is not allocated. */
  set(addr: bigint, value: T): boolean {
    if (!this.used.has(addr)) return false;
    this.used.set(addr, value);
    return true;
  }

  /**
   * Allocates the lowest address of the smallest free block, storing `make(address)` for it, and
   * returns the address; undefined when the range is full.
   */
  allocAny(make: (addr: bigint) => T): bigint | undefined {
    const b = this.freeBySize.min();
    if (!b) return undefined;
    const addr = b.from;
    this.takeFrom(b, addr);
    this.used.set(addr, make(addr));
    return addr;
  }

  alloc(addr: bigint, value: T): AllocResult {
    if (!this.contains(addr)) return 'out-of-range';
    if (this.used.has(addr)) return 'in-use';
    const b = this.freeByStart.floor((x) => (x.from <= addr ? -1 : 1))!;
    this.takeFrom(b, addr);
    this.used.set(addr, value);
    return 'ok';
  }

  /** Frees an allocated address, merging it with adjacent free blocks; false when it was not allocated. */
  free(addr: bigint): boolean {
    if (!this.used.delete(addr)) return false;
    const left = this.freeByStart.floor((x) => (x.from < addr ? -1 : 1));
    const right = this.freeByStart.ceil((x) => (x.from > addr ? 1 : -1));
    const joinLeft = left !== undefined && left.to === addr - 1n;
    const joinRight = right !== undefined && right.from === addr + 1n;
    if (joinLeft && joinRight) {
      this.removeBlock(right);
      this.resize(left, left.from, right.to);
    } else if (joinLeft) {
      this.resize(left, left.from, addr);
    } else if (joinRight) {
      // Moving the start down to addr keeps the block's place among the start-ordered blocks.
      this.resize(right, addr, right.to);
    } else {
      this.addBlock({ from: addr, to: addr, span: 0n });
    }
    return true;
  }

  entries(): IterableIterator<[bigint, T]> {
    return this.used.entries();
  }

  /** The free blocks in address order. */
  *freeBlocks(): IterableIterator<{ from: bigint; to: bigint }> {
    for (const b of this.freeByStart.values()) yield { from: b.from, to: b.to };
  }

  /** Removes `addr` from the free block `b` that contains it, shrinking or splitting `b`. */
  private takeFrom(b: Block, addr: bigint): void {
    if (b.from === b.to) {
      this.removeBlock(b);
    } else if (addr === b.from) {
      // Start-order is unchanged: no other block lies between the old and new start.
      this.resize(b, addr + 1n, b.to);
    } else if (addr === b.to) {
      this.resize(b, b.from, addr - 1n);
    } else {
      const right = { from: addr + 1n, to: b.to, span: b.to - addr - 1n };
      this.resize(b, b.from, addr - 1n);
      this.addBlock(right);
    }
  }

  /** Changes a block's bounds; callers guarantee its order by start is unaffected. */
  private resize(b: Block, from: bigint, to: bigint): void {
    this.freeBySize.delete(b);
    b.from = from;
    b.to = to;
    b.span = to - from;
    this.freeBySize.insert(b);
  }

  private addBlock(b: Block): void {
    this.freeByStart.insert(b);
    this.freeBySize.insert(b);
  }

  private removeBlock(b: Block): void {
    this.freeByStart.delete(b);
    this.freeBySize.delete(b);
  }
}
