// A deadline that handlers can move. The waiting side sleeps until the deadline it computed;
// any handler that changes what the deadline depends on calls touch(), and the sleeper wakes to
// compute it again. One durable timer per wait (cancelled when touched), as plain condition().
import { condition } from '@temporalio/workflow';

export class UpdatableTimer {
  private version = 0;

  /** Something the deadline depends on changed: wake the sleeper so it recomputes. */
  touch(): void {
    this.version++;
  }

  /** Sleeps until `at` (epoch ms): 'fired' when it passed, 'changed' when touched or `stop()` became true first. */
  async sleepUntil(at: number, stop: () => boolean = () => false): Promise<'fired' | 'changed'> {
    const seen = this.version;
    const changed = await condition(() => this.version !== seen || stop(), Math.max(1, at - Date.now()));
    return changed ? 'changed' : 'fired';
  }
}
