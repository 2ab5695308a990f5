// The production worker as a process: compiled by `npm run build`'s script (tsc, no tsx), it
// bundles its workflows from the compiled JavaScript, serves /healthz and /metrics (the service's
// metrics and the Temporal SDK's), and on SIGTERM drains: a rolling restart (new worker up, old
// one stopped while LLM calls are in flight) loses no activity and repeats none.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { taskQueues } from '../src/temporal/task-queues';
import { llmTaskWorkflow } from '../src/workflows/llm-task';
import { stackCheckWorkflow } from '../src/workflows/stack-check';
import { startOpenAiStandIn, type OpenAiStandIn } from './support/openai-standin';
import { repoRoot } from './support/ops-tools';
import { eventually, startWorld, type World } from './support/world';

const BUILD_DIR = path.join(repoRoot, '.test-artifacts', 'dist');
/** Ports of this test's worker processes (metrics, SDK metrics): override when taken. */
const BASE_PORT = Number(process.env.TEST_WORKER_BASE_PORT ?? 11420);
const SLOW_LLM_MS = 4_000;
const validSentiment = JSON.stringify({ label: 'positive', score: 0.8, aspects: ['battery life'] });

interface WorkerProcess {
  child: ChildProcess;
  metricsUrl: string;
  output: () => string;
  exited: Promise<number | null>;
}

describe('the compiled worker process', () => {
  let world: World;
  let standIn: OpenAiStandIn;
  const processes: WorkerProcess[] = [];

  function startWorker(slot: number): WorkerProcess {
    const metricsPort = BASE_PORT + slot * 2;
    const child = spawn(process.execPath, ['--enable-source-maps', path.join(BUILD_DIR, 'worker/main.js')], {
      cwd: repoRoot,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        TEMPORAL_TASK_QUEUE_PREFIX: world.config.TEMPORAL_TASK_QUEUE_PREFIX,
        OPENAI_BASE_URL: standIn.baseUrl,
        WORKER_METRICS_PORT: String(metricsPort),
        TEMPORAL_SDK_METRICS_PORT: String(metricsPort + 1),
        WORKER_SHUTDOWN_GRACE_MS: '30000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.stderr.on('data', (chunk) => (output += String(chunk)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const worker = { child, metricsUrl: `http://127.0.0.1:${metricsPort}`, output: () => output, exited };
    processes.push(worker);
    return worker;
  }

  const healthy = (worker: WorkerProcess) =>
    eventually(
      async () => {
        if (worker.child.exitCode !== null) throw new Error(`worker exited: ${worker.output()}`);
        return (await fetch(`${worker.metricsUrl}/healthz`)).ok ? true : undefined;
      },
      120_000,
      'worker healthy',
    );

  before(async () => {
    execFileSync('bash', [path.join(repoRoot, 'scripts/build.sh'), BUILD_DIR], { cwd: repoRoot, stdio: 'pipe' });
    standIn = await startOpenAiStandIn();
    // A slow provider: each answer comes SLOW_LLM_MS after its request.
    standIn.script([], () => ({ content: validSentiment, holdUntil: new Promise((resolve) => setTimeout(resolve, SLOW_LLM_MS)) }));
    world = await startWorld({ OPENAI_BASE_URL: standIn.baseUrl }, { workers: false });
  });

  after(async () => {
    for (const worker of processes) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await world?.stop();
    await standIn?.close();
  });

  it("runs workflows bundled from compiled JavaScript and serves its metrics and the Temporal SDK's", async () => {
    const worker = startWorker(0);
    await healthy(worker);
    const checkId = randomUUID();
    const result = await world.infra.temporal.workflow.execute(stackCheckWorkflow, {
      taskQueue: taskQueues(world.config).default,
      workflowId: `worker-process/${checkId}`,
      args: [{ checkId, tenantId: 'worker-process-test', note: 'compiled worker' }],
    });
    assert.equal(result.checkId, checkId);

    const metrics = await (await fetch(`${worker.metricsUrl}/metrics`)).text();
    const value = (pattern: RegExp) => Number(pattern.exec(metrics)?.[1]);
    assert.ok(value(/^magicai_db_queries_total\{store="postgres"\} (\d+)/m) > 0, 'PostgreSQL queries counted');
    assert.match(metrics, /^# TYPE magicai_db_errors_total counter/m);
    assert.ok(value(/^magicai_process_memory_limit_bytes (\d+)/m) > 0);
    assert.ok(value(/^process_resident_memory_bytes (\d+)/m) > 0);
    for (const kind of ['default', 'high', 'crawl', 'llm']) {
      assert.match(
        metrics,
        new RegExp(
          `^magicai_task_queue_backlog\\{task_queue="${taskQueues(world.config)[kind as 'default']}",kind="${kind}",type="workflow"\\} \\d+`,
          'm',
        ),
      );
    }
    // The SDK's own: workflow and activity task handling, slots, pollers.
    assert.match(metrics, /^temporal_workflow_completed_total\{.*workflow_type="stackCheckWorkflow".*\} [1-9]/m);
    assert.match(metrics, /^temporal_worker_task_slots_available\{/m);
    assert.match(metrics, /^temporal_activity_execution_latency_bucket\{/m);
  });

  it('on a rolling restart, the stopped worker finishes its in-flight activities: none lost, none repeated', async () => {
    const [old] = processes;
    assert.ok(old && old.child.exitCode === null);
    const queues = taskQueues(world.config);
    const handles: WorkflowHandle<typeof llmTaskWorkflow>[] = [];
    const count = 6;
    for (let i = 0; i < count; i++) {
      handles.push(
        await world.infra.temporal.workflow.start(llmTaskWorkflow, {
          taskQueue: queues.default,
          workflowId: `rolling-restart/${randomUUID()}`,
          args: [{ tenantId: 'rolling-restart-test', task: 'sentiment', input: { text: `Review ${i}: great battery, weak speaker.` } }],
        }),
      );
    }
    // The old worker holds LLM calls in flight (the provider answers after SLOW_LLM_MS).
    await eventually(() => Promise.resolve(standIn.requests.length >= 2 ? true : undefined), 60_000, 'LLM calls in flight');

    const replacement = startWorker(1);
    await healthy(replacement);
    const inFlightAtStop = standIn.requests.length;
    old.child.kill('SIGTERM');
    assert.equal(await old.exited, 0, old.output());
    assert.match(old.output(), /worker drained/);

    for (const handle of handles) {
      const result = await handle.result();
      assert.equal((result.output as { label: string }).label, 'positive');
      const history = await handle.fetchHistory();
      const attempts = (history.events ?? [])
        .filter((event) => event.activityTaskStartedEventAttributes)
        .map((event) => event.activityTaskStartedEventAttributes!.attempt);
      // The learning decision and the model call: each ran once, on its first attempt.
      assert.deepEqual(attempts, [1, 1], `${handle.workflowId}: every activity on its first attempt`);
    }
    assert.equal(standIn.requests.length, count, 'each LLM call made exactly once');
    assert.ok(inFlightAtStop >= 2, `calls in flight when SIGTERM came: ${inFlightAtStop}`);

    replacement.child.kill('SIGTERM');
    assert.equal(await replacement.exited, 0, replacement.output());
  });
});
