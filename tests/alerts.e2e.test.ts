// The backlog alert, end to end in a real Prometheus (Debian's package): Prometheus scrapes this
// test's API (/metrics reports every task queue's backlog from Temporal) and evaluates the
// project's rules (deploy/prometheus/rules.yml, the backlog threshold and `for` shortened for
// the test). The test stops its own workers, starts workflows nobody picks up, sees the alert
// fire through Prometheus's HTTP API, starts workers again, and sees it resolve.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { taskQueues } from '../src/temporal/task-queues';
import { createWorkers, type WorkerSet } from '../src/worker/workers';
import { onPath, repoRoot, skipUnless } from './support/ops-tools';
import { eventually, startWorld, type World } from './support/world';

const prometheusBin = onPath('prometheus');
/** Port for this test's Prometheus (override when it is taken). */
const PROMETHEUS_PORT = Number(process.env.TEST_PROMETHEUS_PORT ?? 11401);
/** The production threshold is 1,000 tasks for 10 minutes; the test uses a small backlog. */
const TEST_BACKLOG_THRESHOLD = 5;
const WORKFLOWS = TEST_BACKLOG_THRESHOLD + 3;

/** rules.yml with the backlog alert's threshold and duration made test-sized. */
export function rulesForTest(rules: string, threshold: number): string {
  const expr = 'magicai:task_queue_backlog:max > 1000';
  assert.equal(rules.split(expr).length, 2, 'the backlog rule is where the test expects it');
  const [head, tail] = rules.split(expr) as [string, string];
  return `${head}magicai:task_queue_backlog:max > ${threshold}${tail.replace(/for: 10m/, 'for: 2s')}`;
}

interface PromAlert {
  labels: Record<string, string>;
  state: string;
  value: string;
}

describe('backlog alert in a real Prometheus', { skip: skipUnless({ prometheus: prometheusBin }) }, () => {
  let world: World;
  let workers: WorkerSet | undefined;
  let running: Promise<void> | undefined;
  let prometheus: ChildProcess;
  const prometheusUrl = `http://127.0.0.1:${PROMETHEUS_PORT}`;
  const started: string[] = [];

  const startWorkers = async () => {
    workers = await createWorkers({ config: world.config, deps: world.infra, kinds: ['default'] });
    running = workers.run();
  };
  const stopWorkers = async () => {
    workers?.shutdown();
    await running;
    workers = undefined;
  };
  const alerts = async (): Promise<PromAlert[]> => {
    const response = await fetch(`${prometheusUrl}/api/v1/alerts`);
    const body = (await response.json()) as { data: { alerts: PromAlert[] } };
    return body.data.alerts.filter(
      (a) => a.labels.alertname === 'TaskQueueBacklogHigh' && a.labels.task_queue === taskQueues(world.config).default,
    );
  };

  before(async () => {
    world = await startWorld({}, { workers: false });
    await startWorkers();
    const dir = mkdtempSync(path.join(tmpdir(), 'magicai-prometheus-'));
    writeFileSync(
      path.join(dir, 'rules.yml'),
      rulesForTest(readFileSync(path.join(repoRoot, 'deploy/prometheus/rules.yml'), 'utf8'), TEST_BACKLOG_THRESHOLD),
    );
    writeFileSync(
      path.join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 2s, scrape_timeout: 2s, evaluation_interval: 1s }',
        `rule_files: ["${dir}/rules.yml"]`,
        'scrape_configs:',
        '  - job_name: api',
        `    static_configs: [{ targets: ["${new URL(world.baseUrl).host}"] }]`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      prometheusBin!,
      [
        `--config.file=${dir}/prometheus.yml`,
        `--storage.tsdb.path=${dir}/tsdb`,
        `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    prometheus.stderr!.on('data', (chunk) => (stderr += String(chunk)));
    await eventually(async () => ((await fetch(`${prometheusUrl}/-/ready`)).ok ? true : undefined), 60_000, `Prometheus ready (${stderr})`);
  });

  after(async () => {
    prometheus?.kill('SIGTERM');
    for (const id of started)
      await world.infra.temporal.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => undefined);
    await stopWorkers();
    await world?.stop();
  });

  it('scrapes the API, whose backlog gauge reports every task queue', async () => {
    const queue = taskQueues(world.config).default;
    const series = await eventually(
      async () => {
        const response = await fetch(
          `${prometheusUrl}/api/v1/query?query=${encodeURIComponent(`magicai_task_queue_backlog{task_queue="${queue}"}`)}`,
        );
        const body = (await response.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
        return body.data.result.length === 2 ? body.data.result : undefined;
      },
      30_000,
      'backlog series in Prometheus',
    );
    assert.deepEqual(series.map((s) => s.metric.type).sort(), ['activity', 'workflow']);
    assert.ok(series.every((s) => s.metric.kind === 'default' && s.metric.job === 'api'));
  });

  it('accepts every query of the Grafana dashboard (deploy/grafana/magicai-workflows.json)', async () => {
    const dashboard = JSON.parse(readFileSync(path.join(repoRoot, 'deploy/grafana/magicai-workflows.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ panel: panel.title, expr: target.expr })));
    assert.ok(exprs.length >= 12);
    for (const { panel, expr } of exprs) {
      const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await response.json()) as { status: string; error?: string };
      assert.equal(body.status, 'success', `${panel}: ${expr}: ${body.error}`);
    }
  });

  it('fires when the workers are stopped and work piles up, and resolves once they drain it', async () => {
    const queue = taskQueues(world.config).default;
    assert.deepEqual(await alerts(), []);
    await stopWorkers();
    for (let i = 0; i < WORKFLOWS; i++) {
      const id = `alert-test/${queue}/${i}`;
      await world.infra.temporal.workflow.start('stackCheckWorkflow', {
        taskQueue: queue,
        workflowId: id,
        args: [{ checkId: `alert-${queue}-${i}`, tenantId: 'alert-test', note: 'backlog alert test' }],
      });
      started.push(id);
    }

    const firing = await eventually(
      async () => {
        const found = (await alerts()).find((a) => a.state === 'firing');
        return found;
      },
      90_000,
      'TaskQueueBacklogHigh firing',
    );
    assert.equal(firing.labels.type, 'workflow');
    assert.equal(firing.labels.severity, 'page');
    assert.ok(Number(firing.value) > TEST_BACKLOG_THRESHOLD, `backlog ${firing.value}`);

    await startWorkers();
    await eventually(async () => ((await alerts()).length === 0 ? true : undefined), 120_000, 'TaskQueueBacklogHigh resolved');
    // The workers did the work: every workflow completed.
    for (const id of started) {
      const result = await world.infra.temporal.workflow.getHandle(id).result();
      assert.ok(result, id);
    }
  });
});
