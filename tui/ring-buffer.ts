/** A fixed-capacity buffer that keeps the newest `capacity` values: the memory of a sparkline. */
export class RingBuffer<T> {
  private readonly items: T[];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring buffer capacity: expected a whole number ≥ 1; got ${capacity}`);
    this.items = new Array<T>(capacity);
  }

  get length(): number {
    return this.count;
  }

  /** Adds a value; when full, the oldest goes. */
  push(value: T): void {
    const end = (this.start + this.count) % this.capacity;
    this.items[end] = value;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** The values, oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.items[(this.start + i) % this.capacity]!);
    return out;
  }

  /** The newest value. */
  last(): T | undefined {
    return this.count === 0 ? undefined : this.items[(this.start + this.count - 1) % this.capacity];
  }

  clear(): void {
    this.start = 0;
    this.count = 0;
  }
}
