// Group commit: concurrent writes share batches, each caller gets its own outcome, and order is kept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit, type GroupCommitOptions } from '../src/stores/group-commit';

/** A group commit whose writes take 5 ms and succeed, recording each batch's size. */
function sizeRecordingCommit(options: GroupCommitOptions) {
  const sizes: number[] = [];
  const commit = new GroupCommit<number, void>(async (inputs) => {
    sizes.push(inputs.length);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return inputs.map(() => ({ ok: true }));
  }, options);
  return { sizes, commit };
}

describe('group commit', () => {
  it('sends a lone write at once and batches the writes that arrive while it is in flight', async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit<number, number>(async (inputs) => {
      batches.push(inputs);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return inputs.map((n) => ({ ok: true, value: n * 10 }));
    });
    const first = commit.submit(1);
    const rest = [2, 3, 4, 5].map((n) => commit.submit(n));
    assert.deepEqual(await Promise.all([first, ...rest]), [10, 20, 30, 40, 50]);
    assert.deepEqual(batches, [[1], [2, 3, 4, 5]]);
  });

  it('fails only the writes whose outcome failed, and every write of a batch the writer throws on', async () => {
    let calls = 0;
    const commit = new GroupCommit<string, string>((inputs) => {
      calls++;
      if (inputs.includes('explode')) return Promise.reject(new Error('batch refused'));
      return Promise.resolve(
        inputs.map((input) => (input === 'bad' ? { ok: false, error: new Error(`rejected ${input}`) } : { ok: true, value: input })),
      );
    });
    const outcomes = await Promise.allSettled(['good', 'bad', 'fine'].map((input) => commit.submit(input)));
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /rejected bad/);
    // 'warm' goes alone; the three queued behind it form one batch, which the writer refuses.
    const exploded = await Promise.allSettled(['warm', 'explode', 'x', 'y'].map((input) => commit.submit(input)));
    assert.deepEqual(
      exploded.map((o) => o.status),
      ['fulfilled', 'rejected', 'rejected', 'rejected'],
    );
    assert.ok(calls >= 3);
  });

  it('keeps batches no larger than maxBatch', async () => {
    const { sizes, commit } = sizeRecordingCommit({ maxBatch: 3, maxInFlight: 1 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => commit.submit(i)));
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      10,
    );
    assert.ok(sizes.every((size) => size <= 3));
  });

  /** `writers` callers each write `rounds` times, one after the other, waiting `pauseMs` (or
   *  nothing) between a write's answer and the next write; returns the batch sizes. */
  async function loopingWriters(options: { gatherMs?: number }, writers: number, rounds: number, pauseMs?: number) {
    const { sizes, commit } = sizeRecordingCommit({ maxBatch: 100, maxInFlight: 1, ...options });
    await Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        for (let round = 0; round < rounds; round++) {
          await commit.submit(writer);
          if (pauseMs !== undefined) await new Promise((resolve) => setTimeout(resolve, pauseMs));
        }
      }),
    );
    return sizes;
  }

  it('without gathering, of writers that come back after their own I/O the first goes alone', async () => {
    assert.deepEqual(await loopingWriters({}, 4, 3, 1), [1, 3, 1, 3, 1, 3]);
  });

  it('with gathering, the writers of the last batch go together again', async () => {
    // The first write goes at once; from then on all four go in one batch (in the last round
    // three are left: the first batch's writer has finished).
    assert.deepEqual(await loopingWriters({ gatherMs: 50 }, 4, 3, 1), [1, 4, 4, 3]);
  });

  it('with gathering, a lone writer never waits for the others', async () => {
    const sizes = await loopingWriters({ gatherMs: 10_000 }, 1, 3, 1);
    assert.deepEqual(sizes, [1, 1, 1]); // would take 20 s if it waited for the gathering time
  });
});
