// Structured JSON logs (pino) for every process; Temporal's own logs are routed here too.
import pino, { type Logger } from 'pino';
import { DefaultLogger, Runtime, type LogLevel, type LogMetadata } from '@temporalio/worker';

export type { Logger };

export function createLogger(level: string, name: string): Logger {
  return pino({ level, name, base: { service: 'magicai-workflows', pid: process.pid } });
}

const temporalToPino: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Sends the Temporal SDK's logs (worker, workflow and activity loggers) through pino and, with
 *  `sdkMetricsPort`, exports the SDK's own metrics (pollers, slots, task latencies, …) for
 *  Prometheus on that loopback port. Call once per process, before any connection is made. */
export function installTemporalRuntime(logger: Logger, options: { sdkMetricsPort?: number } = {}): void {
  const sdkLogger = logger.child({ component: 'temporal' });
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => {
      const meta: LogMetadata = entry.meta ?? {};
      sdkLogger[temporalToPino[entry.level]](meta, entry.message);
    }),
    ...(options.sdkMetricsPort
      ? {
          telemetryOptions: {
            metrics: {
              prometheus: { bindAddress: `127.0.0.1:${options.sdkMetricsPort}`, countersTotalSuffix: true, useSecondsForDurations: true },
            },
          },
        }
      : {}),
  });
}
