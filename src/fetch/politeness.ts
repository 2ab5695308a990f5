// Per-host politeness, in process: at most `concurrency` requests in flight per host and a
// minimum gap between request starts (perHostDelayMs, raised by robots.txt Crawl-delay).
// Waiters queue in FIFO order and are woken by releases or one timer per host: no busy waiting.
import { performance } from 'node:perf_hooks';
import { transient } from '../errors';

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

interface HostState {
  active: number;
  nextStartAt: number;
  waiters: Waiter[];
  timer?: NodeJS.Timeout;
}

export class HostScheduler {
  private readonly hosts = new Map<string, HostState>();
  private closed = false;

  constructor(
    private readonly concurrency: number,
    /** Minimum gap between request starts to this host, in ms. */
    private readonly delayFor: (host: string) => number,
  ) {}

  /** Runs task once the host has a free slot and its delay has passed; frees the slot afterwards. */
  async run<T>(host: string, task: () => Promise<T>): Promise<T> {
    await this.acquire(host);
    try {
      return await task();
    } finally {
      this.release(host);
    }
  }

  /** Rejects queued waiters and cancels timers; running tasks finish on their own. */
  close(): void {
    this.closed = true;
    for (const state of this.hosts.values()) {
      clearTimeout(state.timer);
      for (const waiter of state.waiters.splice(0)) waiter.reject(transient('FetcherClosed', 'fetcher was closed'));
    }
    this.hosts.clear();
  }

  private acquire(host: string): Promise<void> {
    if (this.closed) return Promise.reject(transient('FetcherClosed', 'fetcher was closed'));
    let state = this.hosts.get(host);
    if (!state) {
      state = { active: 0, nextStartAt: 0, waiters: [] };
      this.hosts.set(host, state);
    }
    const entry = state;
    return new Promise<void>((resolve, reject) => {
      entry.waiters.push({ resolve, reject });
      this.pump(host, entry);
    });
  }

  private release(host: string): void {
    const state = this.hosts.get(host);
    if (!state) return;
    state.active -= 1;
    this.pump(host, state);
  }

  private pump(host: string, state: HostState): void {
    if (state.timer) return; // a wake-up is already scheduled
    while (state.waiters.length > 0 && state.active < this.concurrency) {
      const now = performance.now();
      if (now < state.nextStartAt) {
        state.timer = setTimeout(
          () => {
            state.timer = undefined;
            this.pump(host, state);
          },
          Math.ceil(state.nextStartAt - now),
        );
        return;
      }
      const waiter = state.waiters.shift()!;
      state.active += 1;
      state.nextStartAt = now + this.delayFor(host);
      waiter.resolve();
    }
    if (state.active === 0 && state.waiters.length === 0 && state.nextStartAt <= performance.now()) {
      this.hosts.delete(host);
    }
  }
}
