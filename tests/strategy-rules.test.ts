// The strategy learner's rules without Temporal: Thompson sampling converges on what a seeded
// audience prefers, a banned tone is never recommended, a content counts once however often its
// engagement is reported, rewards are bounded against outliers, and a new brand starts from its
// sister brands' experience.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CREDIT_MEMORY,
  FORGET_CHUNK,
  applyCredit,
  bestKnown,
  drawStrategy,
  initialState,
  priorFromBrands,
  recommend,
  type LearnerState,
} from '../src/strategy/bandit';
import { refuseConstraints, type Strategy } from '../src/strategy/model';
import { rewardFor } from '../src/strategy/reward';
import { seededRandom, simulatedAudience } from '../src/strategy/simulation';

const preferred: Strategy = { tone: 'playful', length: 'short', structure: 'list', hourOfWeek: 42 };

function train(state: LearnerState, rounds: number, seed: number, prefer = preferred) {
  const audience = simulatedAudience(prefer, seed);
  const random = seededRandom(seed + 1);
  for (let i = 0; i < rounds; i++) {
    const { strategy } = recommend(state, random);
    applyCredit(state, {
      contentId: `c${seed}-${i}`,
      strategy,
      reward: rewardFor('webhook', audience.engage(strategy)),
      version: 1,
      previousReward: null,
    });
  }
  return state;
}

describe('strategy bandit', () => {
  it('converges on the strategy a seeded audience prefers', () => {
    const state = train(initialState(), 1_500, 11);
    const best = bestKnown(state);
    assert.equal(best.strategy.tone, preferred.tone);
    assert.equal(best.strategy.length, preferred.length);
    assert.equal(best.strategy.structure, preferred.structure);
    assert.equal(best.strategy.hourOfWeek, 42);
    // Exploitation: most of the last recommendations are the preferred tone.
    const random = seededRandom(99);
    const lastTones = Array.from({ length: 200 }, () => recommend(state, random).strategy.tone);
    assert.ok(
      lastTones.filter((t) => t === preferred.tone).length > 150,
      `preferred tone in ${lastTones.filter((t) => t === preferred.tone).length}/200`,
    );
    assert.ok(best.uncertainty < 0.05, `uncertainty ${best.uncertainty}`);
  });

  it('never recommends a tone outside the allowed tones, even the one the audience loves', () => {
    const state = initialState();
    state.constraints = { allowedTones: ['professional', 'informative'], bannedPhrases: ['guaranteed'], voiceNotes: '' };
    train(state, 600, 5);
    const random = seededRandom(3);
    for (let i = 0; i < 500; i++) assert.notEqual(recommend(state, random).strategy.tone, 'playful');
    assert.ok(['professional', 'informative'].includes(bestKnown(state).strategy.tone));
  });

  it('counts a content once: duplicates and older versions change nothing, a later reward replaces the earlier', () => {
    const state = initialState();
    const credit = { contentId: 'x', strategy: preferred, reward: 0.2, version: 1, previousReward: null };
    assert.equal(applyCredit(state, credit), true);
    const after = structuredClone(state.arms);
    assert.equal(applyCredit(state, credit), false);
    assert.deepEqual(state.arms, after);
    assert.equal(applyCredit(state, { ...credit, reward: 0.9, version: 3, previousReward: 0.2 }), true);
    assert.equal(
      applyCredit(state, { ...credit, reward: 0.5, version: 2, previousReward: 0.2 }),
      false,
      'an older version arriving late is ignored',
    );
    assert.equal(state.observations, 1);
    const arm = state.arms.tone.playful!;
    assert.equal(arm.n, 1);
    assert.ok(Math.abs(arm.a - 1.9) < 1e-9 && Math.abs(arm.b - 1.1) < 1e-9, `${arm.a} ${arm.b}`);
  });

  it('keeps its memory of credited contents bounded, forgetting the oldest first', () => {
    const state = train(initialState(), 1_000, 2);
    assert.ok(
      state.creditedCount <= CREDIT_MEMORY &&
        state.creditedCount > CREDIT_MEMORY - FORGET_CHUNK &&
        Object.keys(state.credited).length === state.creditedCount,
    );
    const before = state.observations;
    const strategy = { tone: 'bold', length: 'short', structure: 'list', hourOfWeek: 42 } as const;
    for (let i = 0; i < 3 * CREDIT_MEMORY; i++)
      applyCredit(state, { contentId: `late-${i}`, strategy, reward: 0.5, version: 1, previousReward: null });
    assert.equal(state.observations, before + 3 * CREDIT_MEMORY);
    assert.ok(
      `c:late-${3 * CREDIT_MEMORY - 1}` in state.credited && !(`c:late-0` in state.credited),
      'the newest are remembered, the oldest forgotten',
    );
    assert.ok(state.creditedCount <= CREDIT_MEMORY && Object.keys(state.credited).length === state.creditedCount);
  });

  it('draws a batch strategy exactly as recommend() does, from the same random numbers', () => {
    const state = train(initialState(), 300, 5);
    const [a, b] = [seededRandom(11), seededRandom(11)];
    for (let i = 0; i < 50; i++) assert.deepEqual(drawStrategy(state, a), recommend(state, b).strategy);
    assert.equal(a(), b(), 'both consumed the same draws');
  });

  it('starts a new brand from the tenant’s other brands, weakly', () => {
    const sisters = [train(initialState(), 800, 21), train(initialState(), 800, 22)];
    const prior = priorFromBrands(sisters)!;
    const fresh = initialState(prior, ['a', 'b']);
    assert.equal(bestKnown(fresh).strategy.tone, preferred.tone);
    assert.equal(fresh.observations, 0);
    assert.ok(fresh.arms.tone.playful!.a + fresh.arms.tone.playful!.b <= 2 + 8 + 1e-9, 'the prior is worth at most 8 contents');
    // …and the brand's own audience overrides it.
    train(fresh, 800, 23, { ...preferred, tone: 'bold' });
    assert.equal(bestKnown(fresh).strategy.tone, 'bold');
    assert.equal(priorFromBrands([]), undefined);
  });
});

describe('reward per platform', () => {
  it('is bounded, grows with engagement, and a viral outlier does not dominate', () => {
    const typical = rewardFor('webhook', { views: 1000, clicks: 40, likes: 20, shares: 4, comments: 0 });
    const better = rewardFor('webhook', { views: 1000, clicks: 80, likes: 40, shares: 8, comments: 2 });
    const viral = rewardFor('webhook', { views: 1000, clicks: 1e9, likes: 1e9, shares: 1e9, comments: 1e9 });
    assert.ok(typical > 0.3 && typical < 0.7, String(typical));
    assert.ok(better > typical && viral > better && viral <= 1);
    assert.equal(rewardFor('webhook', { views: -5, clicks: Number.NaN }), 0);
    assert.ok(rewardFor('wordpress', { comments: 3 }) === 0.5);
    assert.ok(rewardFor('feed', { views: 50 }) > 0 && rewardFor('feed', { views: 50 }) < rewardFor('feed', { views: 50, clicks: 5 }));
  });

  it('refuses unknown tones and oversized constraints', () => {
    assert.equal(refuseConstraints({ allowedTones: ['friendly'], bannedPhrases: ['free money'], voiceNotes: 'calm' }), undefined);
    assert.equal(refuseConstraints({ allowedTones: ['sarcastic' as never], bannedPhrases: [], voiceNotes: '' })?.field, 'allowedTones');
    assert.equal(refuseConstraints({ allowedTones: [], bannedPhrases: [' '], voiceNotes: '' })?.field, 'bannedPhrases');
  });
});
