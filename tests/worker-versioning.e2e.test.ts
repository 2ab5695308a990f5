// Worker versioning (Temporal Worker Deployments): workers with WORKER_VERSIONING=pinned join
// the deployment as that version, and a run stays PINNED to the version that was current when
// it started. After `set-current-version` to the new build, new runs go to the new workers while
// the old workers stay up for the runs pinned to them (README "Production: rollouts").
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { taskQueues } from '../src/temporal/task-queues';
import { createWorkers, type WorkerSet } from '../src/worker/workers';
import { learnerStart } from '../src/strategy/learners';
import { pingWorkflow } from '../src/workflows/ping';
import { recommendUpdate, strategyLearnerWorkflow } from '../src/workflows/strategy-learner';
import { eventually, startWorld, type World } from './support/world';

describe('worker versioning', () => {
  let world: World;
  const deploymentName = `magicai-test-${randomUUID().slice(0, 8)}`;
  const sets: { workers: WorkerSet; running: Promise<void> }[] = [];

  const startVersion = async (buildId: string) => {
    const workers = await createWorkers({
      config: { ...world.config, WORKER_VERSIONING: 'pinned', MAGICAI_BUILD_ID: buildId, WORKER_DEPLOYMENT_NAME: deploymentName },
      deps: world.infra,
      kinds: ['default'],
    });
    sets.push({ workers, running: workers.run() });
  };
  const service = () => world.infra.temporal.workflowService;
  const makeCurrent = (buildId: string) =>
    eventually(
      async () => {
        // The version exists once its workers have polled; until then the server refuses.
        await service().setWorkerDeploymentCurrentVersion({
          namespace: world.config.TEMPORAL_NAMESPACE,
          deploymentName,
          buildId,
          identity: 'worker-versioning-test',
        });
        return true;
      },
      60_000,
      `version ${buildId} current`,
    );
  const runOn = async () => {
    const workflowId = `versioning/${randomUUID()}`;
    await world.infra.temporal.workflow.execute(pingWorkflow, {
      taskQueue: taskQueues(world.config).default,
      workflowId,
      args: ['versioned'],
    });
    const { workflowExecutionInfo } = await service().describeWorkflowExecution({
      namespace: world.config.TEMPORAL_NAMESPACE,
      execution: { workflowId },
    });
    const info = workflowExecutionInfo?.versioningInfo;
    return { buildId: info?.deploymentVersion?.buildId, deployment: info?.deploymentVersion?.deploymentName, behavior: info?.behavior };
  };

  before(async () => {
    world = await startWorld({}, { workers: false });
  });

  after(async () => {
    for (const set of sets) set.workers.shutdown();
    await Promise.allSettled(sets.map((set) => set.running));
    await world?.stop();
  });

  it('pins each run to the version current at its start; a new current version takes new runs only', async () => {
    await startVersion('build-1');
    await makeCurrent('build-1');
    const first = await runOn();
    assert.deepEqual(first, { buildId: 'build-1', deployment: deploymentName, behavior: 1 /* PINNED */ });

    await startVersion('build-2'); // the new release rolls out beside the old one
    await makeCurrent('build-2');
    const second = await runOn();
    assert.deepEqual(second, { buildId: 'build-2', deployment: deploymentName, behavior: 1 });

    // Rollback: the old version's workers are still there; making it current again routes new runs back.
    await makeCurrent('build-1');
    assert.equal((await runOn()).buildId, 'build-1');
  });

  it('a long-running workflow started on the old version keeps running there after the new one becomes current', async () => {
    await makeCurrent('build-1');
    const learner = await world.infra.temporal.workflow.start(
      strategyLearnerWorkflow,
      learnerStart(world.config, { tenantId: `ver-${randomUUID().slice(0, 8)}`, brand: 'acme', channel: 'webhook' }),
    );
    await learner.executeUpdate(recommendUpdate, { args: [{}] });

    await makeCurrent('build-2');
    // Work for the in-flight run after the switch: answered by build-1's workers, not build-2's.
    const answer = await learner.executeUpdate(recommendUpdate, { args: [{}] });
    assert.ok(answer.strategy, 'the pinned run still answers');
    const history = await learner.fetchHistory();
    const completedBy = history
      .events!.filter((event) => event.workflowTaskCompletedEventAttributes)
      .map((event) => event.workflowTaskCompletedEventAttributes!.deploymentVersion?.buildId);
    assert.ok(completedBy.length >= 2);
    assert.deepEqual(
      [...new Set(completedBy)],
      ['build-1'],
      `every workflow task of the run was completed by build-1 (${completedBy.join(', ')})`,
    );
    const { workflowExecutionInfo } = await service().describeWorkflowExecution({
      namespace: world.config.TEMPORAL_NAMESPACE,
      execution: { workflowId: learner.workflowId },
    });
    assert.equal(workflowExecutionInfo?.versioningInfo?.deploymentVersion?.buildId, 'build-1');
    await learner.terminate('test done');
  });
});
