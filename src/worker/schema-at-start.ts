// The schema at a worker's start, when a store may be down. A worker respawned during an outage
// of PostgreSQL, Elasticsearch or Neo4j used to exit (the schema could not be applied) and was
// restarted again and again until the store came back (the fault suite counted two dozen such
// exits). Now it starts polling anyway: its activities fail with retryable "unavailable"
// errors and Temporal retries them, while the schema is applied in the background as soon as
// the store answers. Any other schema failure (a migration that fails) still stops the start.
import { dependencyUnavailable } from '../stores/availability';
import type { Logger } from '../observability/logger';
import { applySchema, type SchemaDeps } from '../schema/apply';

export interface SchemaAtStart {
  /** Resolves once the schema is applied (at once when every store answered). */
  applied: Promise<void>;
  /** Stops the background retries (shutdown). */
  stop(): void;
}

export async function applySchemaAtStart(
  deps: SchemaDeps,
  options: { retryMs?: number; onFatal: (error: unknown) => void; logger: Logger },
): Promise<SchemaAtStart> {
  const retryMs = options.retryMs ?? 5_000;
  try {
    await applySchema(deps);
    return { applied: Promise.resolve(), stop: () => undefined };
  } catch (error) {
    const down = dependencyUnavailable(error);
    if (!down) throw error;
    options.logger.warn(
      { dependency: down, error: (error as Error).message, retryMs },
      'schema not applied: a store is unreachable; starting anyway and applying it when the store answers',
    );
  }
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const applied = new Promise<void>((resolve) => {
    const attempt = () => {
      if (stopped) return;
      applySchema(deps).then(
        () => {
          options.logger.info('schema applied after the store came back');
          resolve();
        },
        (error: unknown) => {
          if (!dependencyUnavailable(error)) return options.onFatal(error);
          timer = setTimeout(attempt, retryMs);
          timer.unref();
        },
      );
    };
    timer = setTimeout(attempt, retryMs);
    timer.unref();
  });
  return {
    applied,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
