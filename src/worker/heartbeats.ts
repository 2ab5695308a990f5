// Keep-alive heartbeats for every activity scheduled with a heartbeat timeout (the presets in
// src/workflows/activity-presets.ts give one to fetch, images, LLM calls, publishing and store
// writes). While the activity runs, this worker heartbeats for it every third of the timeout;
// when the worker process dies the heartbeats stop, the server times the attempt out after the
// heartbeat timeout (seconds) instead of the start-to-close timeout (up to minutes), and another
// worker retries it. Activities that heartbeat progress themselves keep their details: the
// keep-alive repeats the last details sent (or those of the previous attempt).
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

export const keepAliveHeartbeats: ActivityInterceptorsFactory = (ctx: Context) => ({
  inbound: {
    async execute(input, next) {
      const timeoutMs = ctx.info.heartbeatTimeoutMs;
      if (!timeoutMs || ctx.info.isLocal) return next(input);
      const send = ctx.heartbeat;
      let last: unknown = ctx.info.heartbeatDetails;
      Object.defineProperty(ctx, 'heartbeat', {
        configurable: true,
        value: (details?: unknown) => {
          last = details;
          send(details);
        },
      });
      const timer = setInterval(() => send(last), Math.max(250, Math.floor(timeoutMs / 3)));
      try {
        return await next(input);
      } finally {
        clearInterval(timer);
      }
    },
  },
});
