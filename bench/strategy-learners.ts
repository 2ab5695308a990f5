// Benchmark (not a test): many strategy learners under a stream of engagement.
//   npm run bench:strategy -- [learners=50] [events=10000] [batch=50]
// Each learner (its own brand) faces a seeded simulated audience with its own favourite
// strategy. Round after round it is asked for `batch` strategies (one recommendBatch Update),
// the audience engages with each, and the engagement goes back as one signal carrying `batch`
// credits — until `events` credits per learner. Printed, all measured in this run:
//   - signals and engagement events handled per second (sent → reflected in the learners' state);
//   - history per run against the events handled (continue-as-new keeps it bounded);
//   - regret (expected reward lost against always choosing the favourite) against choosing
//     strategies uniformly at random, over the whole run and over its last quarter.
import { randomUUID } from 'node:crypto';
import type { Credit } from '../src/strategy/bandit';
import { learnerStart, retryingUpdate } from '../src/strategy/learners';
import { DAYPARTS, DAYS, LENGTH_NAMES, STRUCTURES, TONES, hourOf, type Strategy } from '../src/strategy/model';
import { rewardFor } from '../src/strategy/reward';
import { seededRandom, simulatedAudience } from '../src/strategy/simulation';
import { engagementSignal, learnerQuery, recommendBatchUpdate, strategyLearnerWorkflow } from '../src/workflows/strategy-learner';
import { startWorld } from '../tests/support/world';

const pick = <T>(values: readonly T[], random: () => number) => values[Math.floor(random() * values.length)]!;

async function main() {
  const learners = Number(process.argv[2] ?? 50);
  const events = Number(process.argv[3] ?? 10_000);
  const batch = Number(process.argv[4] ?? 50);
  const rounds = Math.ceil(events / batch);
  const world = await startWorld({ LOG_LEVEL: 'error' });
  const { temporal } = world.infra;
  const tenantId = `bench-${randomUUID().slice(0, 6)}`;
  process.stdout.write(
    `${learners} learners × ${rounds * batch} engagement events (${rounds} rounds of ${batch}) on ${world.config.TEMPORAL_ADDRESS}\n`,
  );

  const setups = Array.from({ length: learners }, (_, i) => {
    const random = seededRandom(1_000 + i);
    const favourite: Strategy = {
      tone: pick(TONES, random),
      length: pick(LENGTH_NAMES, random),
      structure: pick(STRUCTURES, random),
      hourOfWeek: hourOf(pick(DAYS, random), pick(DAYPARTS, random)),
    };
    const key = { tenantId, brand: `brand-${i}`, channel: 'webhook' };
    return { key, audience: simulatedAudience(favourite, 2_000 + i), regret: 0, lateRegret: 0, signals: 0 };
  });
  for (const { key } of setups) await temporal.workflow.start(strategyLearnerWorkflow, learnerStart(world.config, key));

  const started = performance.now();
  let signalMs = 0;
  await Promise.all(
    setups.map(async (setup) => {
      const handle = temporal.workflow.getHandle(learnerStart(world.config, setup.key).workflowId);
      for (let round = 0; round < rounds; round++) {
        const strategies = await retryingUpdate(() => handle.executeUpdate(recommendBatchUpdate, { args: [{ count: batch }] }), 20);
        const credits: Credit[] = strategies.map((strategy, j) => {
          const loss = setup.audience.bestRate - setup.audience.expectedRate(strategy);
          setup.regret += loss;
          if (round >= rounds * 0.75) setup.lateRegret += loss;
          return {
            contentId: `r${round}-${j}`,
            strategy,
            reward: rewardFor('webhook', setup.audience.engage(strategy)),
            version: 1,
            previousReward: null,
          };
        });
        const sent = performance.now();
        await handle.signal(engagementSignal, { credits });
        signalMs += performance.now() - sent;
        setup.signals++;
      }
    }),
  );
  // Handled = reflected in every learner's state.
  for (const setup of setups) {
    const handle = temporal.workflow.getHandle(learnerStart(world.config, setup.key).workflowId);
    for (;;) {
      const view = await handle.query(learnerQuery);
      if (view.signals >= rounds * batch) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const seconds = (performance.now() - started) / 1000;

  // History per run: every run of every learner, from visibility.
  let maxEvents = 0;
  let maxBytes = 0;
  let runs = 0;
  for (const setup of setups) {
    const workflowId = learnerStart(world.config, setup.key).workflowId;
    for await (const run of temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      runs++;
      const described = run.status.name === 'RUNNING' ? await temporal.workflow.getHandle(workflowId, run.runId).describe() : run;
      maxEvents = Math.max(maxEvents, described.historyLength ?? 0);
      maxBytes = Math.max(maxBytes, described.historySize ?? 0);
    }
  }

  const totalEvents = learners * rounds * batch;
  const totalSignals = setups.reduce((sum, s) => sum + s.signals, 0);
  const regret = setups.reduce((sum, s) => sum + s.regret, 0);
  const uniform = setups.reduce((sum, s) => sum + (s.audience.bestRate - s.audience.uniformRate) * rounds * batch, 0);
  const lateRegret = setups.reduce((sum, s) => sum + s.lateRegret, 0);
  const lateUniform = (uniform * (rounds - Math.ceil(rounds * 0.75))) / rounds;
  const lines = [
    `wall time (recommend → engage → signal → handled): ${seconds.toFixed(1)} s`,
    `signals handled: ${totalSignals} → ${(totalSignals / seconds).toFixed(1)} signals/s; engagement events: ${totalEvents} → ${(totalEvents / seconds).toFixed(0)} events/s`,
    `signal call latency: mean ${(signalMs / totalSignals).toFixed(1)} ms`,
    `history: ${runs} runs for ${learners} learners; largest run ${maxEvents} events / ${(maxBytes / 1024).toFixed(0)} KiB, while one learner handled ${rounds * batch} events (ratio ${(maxEvents / (rounds * batch)).toFixed(3)} history events per engagement event) — bounded by continue-as-new`,
    `regret vs uniform choice: ${(regret / uniform).toFixed(3)} over the whole run, ${(lateRegret / lateUniform).toFixed(3)} over the last quarter (1 = no better than uniform, 0 = always the favourite)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await world.stop();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)} cause: ${String((error as { cause?: unknown }).cause)}\n`);
  process.exit(1);
});
