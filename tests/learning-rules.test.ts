// The learning loop's pure rules, without Temporal: reward scoring, the bandit's allocation and
// rails, the always-valid guardrail test, the experiment step and the decision engine. The
// simulations are seeded and have a known best answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocate, constrainShares, pickByShare, posteriorOf, probabilityBest } from '../src/learning/bandit';
import { decide, defaultDecisionRules, type DecisionContext } from '../src/learning/decision';
import { ExperimentSettings, nextStep } from '../src/learning/experiment-rules';
import { defaultGuardrailRules, evaluateGuardrails, mixtureLikelihoodRatio } from '../src/learning/guardrails';
import { beta, seededRng } from '../src/learning/random';
import { rewardOf, summariseArms, type DecisionOutcome } from '../src/learning/reward';

const ok = (latencyMs = 500): DecisionOutcome => ({ final: 'ok', latencyMs, costUsd: 0.001 });
const bad = (latencyMs = 500): DecisionOutcome => ({ final: 'repaired', latencyMs, costUsd: 0.002 });

describe('reward', () => {
  it('ranks a valid first answer over a repaired one over an invalid one', () => {
    const valid = rewardOf(ok());
    const repaired = rewardOf({ ...ok(), final: 'repaired' });
    const invalid = rewardOf({ ...ok(), final: 'invalid' });
    assert.ok(valid > repaired && repaired > invalid, `${valid} > ${repaired} > ${invalid}`);
    assert.ok(valid <= 1 && invalid >= 0);
  });

  it('counts a reviewer rejection and honours configured weights', () => {
    assert.ok(rewardOf({ ...ok(), review: 'approved' }) > rewardOf({ ...ok(), review: 'rejected' }));
    const onlySchema = { schema: 1, review: 0, checks: 0, engagement: 0, latency: 0, cost: 0 };
    assert.equal(rewardOf({ ...ok(60_000), review: 'rejected' }, onlySchema), 1);
    assert.equal(rewardOf({ final: 'error', latencyMs: 1, costUsd: 0 }), 0);
  });
});

describe('bandit', () => {
  it('samples Beta draws with the right mean (seeded)', () => {
    const rng = seededRng(1);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += beta(rng, 3, 7);
    assert.ok(Math.abs(sum / 20_000 - 0.3) < 0.01, String(sum / 20_000));
  });

  it('gives the clearly better arm the larger share, and keeps the exploration floor', () => {
    const arms = [posteriorOf('p', true, 200, 100), posteriorOf('c', false, 200, 160)];
    const shares = allocate(arms, { minShare: 0.05, maxCandidateShare: 1, maxCandidateExposures: 10_000 }, seededRng(7));
    assert.ok(shares.c! > 0.9, JSON.stringify(shares));
    assert.ok(shares.p! >= 0.05 - 1e-9, JSON.stringify(shares));
  });

  it('caps the candidates’ share and stops a candidate at its exposure cap', () => {
    const arms = [posteriorOf('p', true, 100, 10), posteriorOf('c', false, 100, 90)];
    const capped = constrainShares(arms, probabilityBest(arms, seededRng(3)), {
      minShare: 0.05,
      maxCandidateShare: 0.3,
      maxCandidateExposures: 10_000,
    });
    assert.ok(Math.abs(capped[1]! - 0.3) < 1e-9, String(capped));
    const exhausted = [posteriorOf('p', true, 100, 10), posteriorOf('c', false, 100, 90, 500)];
    const stopped = constrainShares(exhausted, [0, 1], { minShare: 0.05, maxCandidateShare: 0.8, maxCandidateExposures: 500 });
    assert.deepEqual(stopped, [1, 0]);
  });

  it('picks arms in proportion to the shares', () => {
    const rng = seededRng(11);
    let c = 0;
    for (let i = 0; i < 10_000; i++) if (pickByShare({ p: 0.7, c: 0.3 }, rng()) === 'c') c++;
    assert.ok(Math.abs(c / 10_000 - 0.3) < 0.02, String(c));
  });
});

describe('guardrails (mSPRT)', () => {
  it('grows with evidence of an excess and stays near 1 without one', () => {
    assert.ok(mixtureLikelihoodRatio(0.4, 0.005, 0.05, 0.2) > 1_000);
    assert.ok(mixtureLikelihoodRatio(0.0, 0.005, 0.0, 0.2) < 1);
  });

  const stats = (cOutcomes: DecisionOutcome[], pOutcomes: DecisionOutcome[]) =>
    summariseArms([
      { version: 'p', production: true, exposures: pOutcomes.length, outcomes: pOutcomes },
      { version: 'c', production: false, exposures: cOutcomes.length, outcomes: cOutcomes },
    ]);

  it('flags a candidate with 40% invalid first answers within a bounded number of outcomes (seeded, continuous monitoring)', () => {
    const rng = seededRng(42);
    const p: DecisionOutcome[] = [];
    const c: DecisionOutcome[] = [];
    let breachedAt: number | undefined;
    for (let n = 1; n <= 400 && breachedAt === undefined; n++) {
      p.push(rng() < 0.02 ? bad() : ok());
      c.push(rng() < 0.4 ? bad() : ok());
      const [verdict] = evaluateGuardrails(stats(c, p));
      if (verdict!.breached.includes('invalid-output')) breachedAt = n;
    }
    assert.ok(breachedAt !== undefined && breachedAt <= 80, `breached after ${breachedAt} candidate outcomes`);
  });

  it('raises few false alarms for an equal candidate though checked after every outcome (seeded)', () => {
    let alarms = 0;
    const runs = 100;
    for (let run = 0; run < runs; run++) {
      const rng = seededRng(1_000 + run);
      const p: DecisionOutcome[] = [];
      const c: DecisionOutcome[] = [];
      for (let n = 1; n <= 300; n++) {
        p.push(rng() < 0.1 ? bad(400 + rng() * 200) : ok(400 + rng() * 200));
        c.push(rng() < 0.1 ? bad(400 + rng() * 200) : ok(400 + rng() * 200));
        if (n % 5 === 0 && evaluateGuardrails(stats(c, p))[0]!.breached.length > 0) {
          alarms++;
          break;
        }
      }
    }
    assert.ok(alarms / runs <= defaultGuardrailRules.alpha, `${alarms} false alarms in ${runs} runs`);
  });

  it('flags a candidate slower than production’s p95', () => {
    const rng = seededRng(5);
    const p = Array.from({ length: 100 }, () => ok(400 + rng() * 200));
    const c = Array.from({ length: 100 }, () => ok(rng() < 0.5 ? 3_000 : 500));
    assert.ok(evaluateGuardrails(stats(c, p))[0]!.breached.includes('latency-p95'));
  });
});

describe('experiment step', () => {
  const settings = ExperimentSettings.parse({ autoPromote: { enabled: true, minSamples: 100, probabilityBest: 0.95 } });
  const arms = [
    { version: 'p', production: true },
    { version: 'c', production: false },
  ];
  it('rolls back on a breach, promotes a clear winner, otherwise allocates', () => {
    const rng = seededRng(9);
    const badRun = summariseArms([
      { version: 'p', production: true, exposures: 60, outcomes: Array.from({ length: 60 }, () => ok()) },
      { version: 'c', production: false, exposures: 60, outcomes: Array.from({ length: 60 }, (_, i) => (i % 5 < 2 ? bad() : ok())) },
    ]);
    const rollback = nextStep(arms, badRun, settings, rng);
    assert.equal(rollback.kind, 'rollback');
    assert.ok(
      rollback.kind === 'rollback' &&
        rollback.versions[0] === 'c' &&
        rollback.remaining.length === 0 &&
        rollback.reason.includes('invalid-output'),
    );

    const winning = summariseArms([
      {
        version: 'p',
        production: true,
        exposures: 150,
        outcomes: Array.from({ length: 150 }, (_, i) => (i % 4 === 0 ? { ...ok(), final: 'invalid' as const } : ok())),
      },
      { version: 'c', production: false, exposures: 150, outcomes: Array.from({ length: 150 }, () => ok()) },
    ]);
    const promote = nextStep(arms, winning, settings, rng);
    assert.equal(promote.kind, 'promote', JSON.stringify(promote));

    const early = summariseArms([
      { version: 'p', production: true, exposures: 5, outcomes: [ok(), ok()] },
      { version: 'c', production: false, exposures: 5, outcomes: [ok()] },
    ]);
    const step = nextStep(arms, early, settings, rng);
    assert.equal(step.kind, 'continue');
    assert.ok(step.kind === 'continue' && Math.abs(step.allocation.p! + step.allocation.c! - 1) < 1e-3);
  });
});

describe('decision engine', () => {
  const context = (over: Partial<DecisionContext> = {}): DecisionContext => ({
    production: { version: 'enhance@1', temperature: 0.3, maxTokens: 400 },
    experiment: {
      experimentId: 'e1',
      allocation: { 'enhance@1': 0.5, 'enhance@t.1': 0.5 },
      versions: {
        'enhance@1': { version: 'enhance@1', temperature: 0.3, maxTokens: 400 },
        'enhance@t.1': { version: 'enhance@t.1', model: 'other', temperature: 0.1, maxTokens: 300 },
      },
    },
    figures: {},
    defaultModel: 'local',
    rules: defaultDecisionRules,
    ...over,
  });

  it('follows the experiment allocation and says why', () => {
    const candidate = decide({ task: 'enhance', priority: 'batch' }, context(), 0.9);
    assert.equal(candidate.promptVersion, 'enhance@t.1');
    assert.equal(candidate.model, 'other');
    assert.equal(candidate.experimentId, 'e1');
    assert.equal(candidate.priorityKey, 4);
    assert.ok(candidate.reasons.some((reason) => reason.includes('experiment e1')));
    const production = decide({ task: 'enhance', priority: 'interactive' }, context(), 0.1);
    assert.equal(production.promptVersion, 'enhance@1');
    assert.equal(production.model, 'local');
    assert.equal(production.priorityKey, 1);
  });

  it('does not explore on a low budget, and keeps interactive calls off slow versions', () => {
    const low = decide({ task: 'enhance', priority: 'normal' }, context({ budget: { limit: 1_000, used: 950 } }), 0.9);
    assert.equal(low.promptVersion, 'enhance@1');
    assert.equal(low.priorityKey, 5);
    assert.ok(low.reasons.some((reason) => reason.startsWith('budget low')));
    const slow = decide(
      { task: 'enhance', priority: 'interactive' },
      context({ figures: { 'enhance@t.1': { calls: 50, invalidFirstTryRate: 0, p95LatencyMs: 60_000 } } }),
      0.9,
    );
    assert.equal(slow.promptVersion, 'enhance@1');
  });

  it('samples cooler outside experiments when recent first answers are often invalid', () => {
    const decision = decide(
      { task: 'enhance', priority: 'normal' },
      context({ experiment: undefined, figures: { 'enhance@1': { calls: 40, invalidFirstTryRate: 0.5, p95LatencyMs: 100 } } }),
      0.5,
    );
    assert.equal(decision.temperature, 0.1);
  });
});
