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

/** Sends the Temporal SDK's logs (worker, workflow and activity loggers) through pino. Call once per process. */
export function installTemporalLogging(logger: Logger): void {
  const sdkLogger = logger.child({ component: 'temporal' });
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => {
      const meta: LogMetadata = entry.meta ?? {};
      sdkLogger[temporalToPino[entry.level]](meta, entry.message);
    }),
  });
}
