// Slots per kind of work: a worker runs LLM_ACTIVITY_SLOTS model calls at once (a remote
// provider takes more than the local CPU model's default), the other kinds keep theirs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWorkers } from '../src/worker/workers';
import { startWorld } from './support/world';

describe('worker slots', () => {
  for (const [setting, expected] of [
    [undefined, 4],
    ['16', 16],
  ] as const) {
    it(`when LLM_ACTIVITY_SLOTS is ${setting ?? 'not set'}, then the LLM worker runs ${expected} activities at once and the crawl worker 16`, async () => {
      const world = await startWorld(setting ? { LLM_ACTIVITY_SLOTS: setting } : {}, { workers: false });
      try {
        const set = await createWorkers({ config: world.config, deps: world.infra, kinds: ['crawl', 'llm'] });
        const [crawl, llm] = set.workers;
        assert.equal(llm!.options.taskQueue, `${world.config.TEMPORAL_TASK_QUEUE_PREFIX}-llm`);
        // The SDK compiles the slot count into a fixed-size slot supplier.
        assert.deepEqual(llm!.options.tuner.activityTaskSlotSupplier, { type: 'fixed-size', numSlots: expected });
        assert.deepEqual(crawl!.options.tuner.activityTaskSlotSupplier, { type: 'fixed-size', numSlots: 16 });
        const running = set.run();
        set.shutdown();
        await running;
      } finally {
        await world.stop();
      }
    });
  }
});
