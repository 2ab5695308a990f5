// Group commit: concurrent writes of one process share round trips. While a batch is in flight,
// new writes queue; when it returns, everything queued goes as the next batch. A write alone
// waits for nothing; under load (many activities of a worker writing at once) one multi-row
// statement or bulk request carries many. Each caller gets its own result or its own error.

export interface BatchOutcome<Out> {
  ok: boolean;
  value?: Out;
  error?: unknown;
}

export class GroupCommit<In, Out> {
  private readonly queue: { input: In; resolve: (out: Out) => void; reject: (error: unknown) => void }[] = [];
  private inFlight = 0;

  /** `write` gets the queued inputs in order and answers one outcome per input, in order. */
  constructor(
    private readonly write: (inputs: In[]) => Promise<BatchOutcome<Out>[]>,
    private readonly options: { maxBatch: number; maxInFlight: number } = { maxBatch: 200, maxInFlight: 1 },
  ) {}

  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.write(batch.map((entry) => entry.input))
        .then(
          (outcomes) =>
            batch.forEach((entry, i) => {
              const outcome = outcomes[i];
              if (outcome?.ok) entry.resolve(outcome.value as Out);
              else entry.reject(outcome?.error ?? new Error('group commit: no outcome for this write'));
            }),
          (error: unknown) => batch.forEach((entry) => entry.reject(error)),
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}
