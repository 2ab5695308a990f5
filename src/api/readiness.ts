// Readiness: each dependency answers within a short timeout, checked in parallel.
import type { Infrastructure } from '../runtime/infrastructure';
import { esHealthy } from '../stores/elasticsearch';

type Check = () => Promise<unknown>;
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; ms: number; error?: string }>;
}

const TIMEOUT_MS = 3_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function checkReadiness(infra: Pick<Infrastructure, 'pg' | 'es' | 'neo4j' | 'temporal'>): Promise<ReadinessReport> {
  const checks: Record<string, Check> = {
    temporal: () => infra.temporal.connection.workflowService.getSystemInfo({}),
    postgres: () => infra.pg.query('SELECT 1'),
    elasticsearch: async () => {
      if (!(await esHealthy(infra.es))) throw new Error('cluster health is red');
    },
    neo4j: () => infra.neo4j.getServerInfo(),
  };
  type Result = ReadinessReport['checks'][string];
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, Result]> => {
      const started = Date.now();
      try {
        await withTimeout(check(), TIMEOUT_MS);
        return [name, { ok: true, ms: Date.now() - started }];
      } catch (error) {
        return [name, { ok: false, ms: Date.now() - started, error: (error as Error).message }];
      }
    }),
  );
  return { ready: entries.every(([, result]) => result.ok), checks: Object.fromEntries(entries) };
}
