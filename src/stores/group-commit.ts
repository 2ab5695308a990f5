// Group commit: concurrent writes of one process share round trips. While a batch is in flight,
// new writes queue; when it returns, everything queued goes as the next batch. A write alone
// waits for nothing; under load (many activities of a worker writing at once) one multi-row
// statement or bulk request carries many. Each caller gets its own result or its own error.

export interface BatchOutcome<Out> {
  ok: boolean;
  value?: Out;
  error?: unknown;
}

export interface GroupCommitOptions {
  maxBatch: number;
  maxInFlight: number;
  /**
   * Gathering: the writers of a batch that just returned usually write again at once, but not in
   * the same instant, and the first of them would otherwise go alone with the rest queued behind
   * it (batches of 1, n-1, 1, n-1 … pay the round trip twice). With `gatherMs`, the next batch
   * waits until as many writes are queued as there were writers when the last batch returned (its
   * own and those queued behind it), or `gatherMs` has passed (0: one turn of the event loop).
   * A lone writer never waits.
   */
  gatherMs?: number;
}

export class GroupCommit<In, Out> {
  private readonly queue: { input: In; resolve: (out: Out) => void; reject: (error: unknown) => void }[] = [];
  private inFlight = 0;
  /** How many writers were active when the last batch returned: how many are likely to write next. */
  private expected = 0;
  private gathering: NodeJS.Timeout | NodeJS.Immediate | undefined;

  /** `write` gets the queued inputs in order and answers one outcome per input, in order. */
  constructor(
    private readonly write: (inputs: In[]) => Promise<BatchOutcome<Out>[]>,
    private readonly options: GroupCommitOptions = { maxBatch: 200, maxInFlight: 1 },
  ) {}

  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    const { maxBatch, maxInFlight, gatherMs } = this.options;
    while (this.inFlight < maxInFlight && this.queue.length > 0) {
      if (gatherMs !== undefined && this.queue.length < Math.min(this.expected, maxBatch)) {
        this.gathering ??= gatherMs > 0 ? setTimeout(() => this.gathered(), gatherMs) : setImmediate(() => this.gathered());
        return;
      }
      this.stopGathering();
      const batch = this.queue.splice(0, maxBatch);
      this.inFlight++;
      void this.write(batch.map((entry) => entry.input))
        .then(
          (outcomes) => {
            this.expected = batch.length + this.queue.length;
            batch.forEach((entry, i) => {
              const outcome = outcomes[i];
              if (outcome?.ok) entry.resolve(outcome.value as Out);
              else entry.reject(outcome?.error ?? new Error('group commit: no outcome for this write'));
            });
          },
          (error: unknown) => {
            this.expected = batch.length + this.queue.length;
            batch.forEach((entry) => entry.reject(error));
          },
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }

  /** The gathering time is up: send what is queued. */
  private gathered(): void {
    this.gathering = undefined;
    this.expected = 0;
    this.pump();
  }

  private stopGathering(): void {
    if (this.gathering === undefined) return;
    clearTimeout(this.gathering as NodeJS.Timeout);
    clearImmediate(this.gathering as NodeJS.Immediate);
    this.gathering = undefined;
  }
}
