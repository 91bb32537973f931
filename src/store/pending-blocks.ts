import { RawBuffer } from "./raw-buffer.ts";
import { SealedBlock } from "./sealed-block.ts";

/**
 * The raw points not yet written, in two stages: the block being filled by the ticks, and the one
 * before it, sealed when its window ended and being encoded a slice per tick until it is written.
 * The store keeps them whichever database it is on; queries read both.
 */
export class PendingBlocks {
  /** The block the ticks fill. */
  filling = new RawBuffer();
  /** The block being encoded, if any. */
  sealed: SealedBlock | null = null;
  /** A written block's buffer, kept for its arrays (series that still report reuse them). */
  private spare: RawBuffer | null = null;

  /** Seals the block being filled (call once `sealed` is written); the ticks go on in a new one. */
  seal(): SealedBlock {
    if (this.sealed) throw new Error("store: a sealed block is still being written");
    this.sealed = new SealedBlock(this.filling);
    this.filling = this.spare ?? new RawBuffer();
    this.spare = null;
    return this.sealed;
  }

  /** The sealed block was written: its points are in the database now. */
  written(): void {
    const sealed = this.sealed;
    if (!sealed) return;
    sealed.buffer.clear();
    this.spare = sealed.buffer;
    this.sealed = null;
  }

  /**
   * Forgets a series in the block being filled and in the spare (a series that stopped reporting
   * is forgotten anyway when a block it has no point in is written). The block being encoded keeps
   * its points: they are history.
   */
  forget(key: string): void {
    this.filling.forget(key);
    this.spare?.forget(key);
  }

  /** The buffers queries read, oldest first. */
  buffers(): RawBuffer[] {
    return this.sealed ? [this.sealed.buffer, this.filling] : [this.filling];
  }

  /** Nothing waits to be written. */
  get empty(): boolean {
    return this.sealed === null && this.filling.empty;
  }

  /** Time (ms) of the oldest point waiting (NaN when none). */
  get start(): number {
    return this.sealed ? this.sealed.buffer.start : this.filling.start;
  }
}
