// A real worker process (src/worker/main.ts under tsx) beside the test's own: for tests that kill
// workers for real or spread one task queue over several processes. It joins the test world's
// task queues and index prefix, and takes free metrics ports (the defaults may be in use).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { World } from './world';
import { eventually } from './world';

export interface WorkerProcess {
  child: ChildProcess;
  /** What the process has printed on stdout so far (its JSON log lines). */
  output(): string;
  /** Resolves once the worker logged 'worker started' (fails after 90 s). */
  started(): Promise<void>;
}

export function spawnWorkerProcess(
  world: World,
  env: Record<string, string>,
  options: { queues?: string; logLevel?: string } = {},
): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
    cwd: path.resolve(__dirname, '..', '..'),
    env: {
      ...process.env,
      ...env,
      WORKER_METRICS_PORT: '0',
      TEMPORAL_SDK_METRICS_PORT: '0',
      TEMPORAL_TASK_QUEUE_PREFIX: world.config.TEMPORAL_TASK_QUEUE_PREFIX,
      ELASTICSEARCH_INDEX_PREFIX: world.config.ELASTICSEARCH_INDEX_PREFIX,
      ...(options.queues ? { WORKER_TASK_QUEUES: options.queues } : {}),
      LOG_LEVEL: options.logLevel ?? 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    output: () => output,
    started: () =>
      eventually(() => Promise.resolve(output.includes('worker started') ? true : undefined), 90_000, `worker process ${child.pid}`).then(
        () => undefined,
      ),
  };
}

/** Stops the processes with SIGTERM and waits for them to exit. */
export async function stopWorkerProcesses(children: ChildProcess[]): Promise<void> {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))),
  );
}
