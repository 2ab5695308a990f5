// Cost and ETA per run on the real stack: a product list's progress and final report, and a
// content draft, carry the estimated cost (tokens recorded in llm_calls × the price table) and
// an ETA from observed stage rates. The chat model is the loopback stand-in (fixed token usage).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { contentEstimate } from '../src/costs/runs';
import { listWorkflowId } from '../src/products/lists';
import { startWorldWithModelStandIn, type StandInWorld } from './support/model-standin-world';
import { actAs, eventually, http, tokenFor } from './support/world';

/** Valid output for each task the runs below call. */
function taskModel(body: any) {
  switch (body?.response_format?.json_schema?.name) {
    case 'sentiment':
      return { content: JSON.stringify({ label: 'positive', score: 0.6, aspects: ['quality'] }) };
    case 'enhance':
      return {
        content: JSON.stringify({
          seoTitle: 'A fine product',
          metaDescription: 'A fine product for fine people.',
          bullets: ['Fine'],
          tags: ['fine'],
        }),
      };
    case 'draft':
      return {
        content: JSON.stringify({
          title: 'Linen towels are here',
          body: 'Soft, quick-drying linen towels, made in Portugal.',
          summary: 'New towels.',
        }),
      };
    default:
      return { content: JSON.stringify({ score: 0.95, issues: [] }) };
  }
}

// Prices per 1,000 tokens for the stand-in's model name, from the table (not the fallback).
const PRICES = { input: 0.5, output: 2 };

describe('cost and ETA per run', () => {
  let w: StandInWorld;
  const tenantId = `cost-${randomUUID().slice(0, 8)}`;

  before(async () => {
    w = await startWorldWithModelStandIn({
      LLM_MODELS: 'default=standin-model',
      LLM_PRICE_TABLE: `standin-model=${PRICES.input}/${PRICES.output}`,
      LLM_PRICE_INPUT_PER_1K: '99',
    });
    w.llm.script([], taskModel);
    actAs(w.world.baseUrl, await tokenFor(w.world.config, { sub: 'carla', tenant: tenantId, roles: ['editor', 'reviewer'] }));
  });
  after(async () => {
    await w?.stop();
  });

  /** Cost of a set of calls, summed independently in SQL with the same prices. */
  async function sqlCost(where: string, value: string): Promise<number> {
    const { rows } = await w.world.infra.pg.query<{ usd: number }>(
      `SELECT COALESCE(sum(CASE WHEN model = 'standin-model' THEN prompt_tokens * $2::float8 + completion_tokens * $3::float8
                               ELSE prompt_tokens * 99 END), 0)::float8 / 1000 AS usd FROM llm_calls WHERE ${where}`,
      [value, PRICES.input, PRICES.output],
    );
    return rows[0]!.usd;
  }

  it('a product list reports cost and ETA in its progress while running and in its final report', async () => {
    const listId = `costs-${randomUUID().slice(0, 8)}`;
    const items = Array.from({ length: 4 }, (_, i) => ({
      key: `I-${i}`,
      inline: { name: `Linen towel ${i}`, description: `A soft linen towel, number ${i}, quick-drying and made in Portugal.` },
    }));
    const started = await http(w.world.baseUrl, 'POST', '/v1/product-lists', {
      listId,
      tenantId,
      items,
      options: { llm: true, concurrency: 1 },
    });
    assert.equal(started.status, 202, started.text);

    // Progress while running: the estimate is there, with the list's size.
    const running = await eventually(
      async () => {
        const read = await http(w.world.baseUrl, 'GET', `/v1/product-lists/${listId}`);
        return read.json.status === 'running' && read.json.progress?.estimate ? read.json : undefined;
      },
      30_000,
      'progress with an estimate',
    );
    assert.equal(running.progress.estimate.total, 4);
    assert.ok(running.progress.estimate.costUsd >= 0);
    assert.match(running.progress.estimate.basis, /LLM_PRICE_TABLE/);

    const done = await eventually(
      async () => {
        const read = await http(w.world.baseUrl, 'GET', `/v1/product-lists/${listId}`);
        return read.json.status === 'completed' ? read.json : undefined;
      },
      120_000,
      'the list to complete',
    );
    const estimate = done.report.estimate;
    assert.equal(done.report.succeeded, 4);
    // The items' calls and the list's own (its embedding pages).
    const expected = await sqlCost(`workflow_id = $1 OR left(workflow_id, length($1) + 1) = $1 || '/'`, listWorkflowId(tenantId, listId));
    assert.ok(expected > 0, 'the list made priced LLM calls');
    assert.ok(Math.abs(estimate.costUsd - expected) < 1e-7, `${estimate.costUsd} vs ${expected}`);
    assert.equal(estimate.projectedCostUsd, estimate.costUsd); // all items done: projection = actual
    assert.equal(estimate.etaSeconds, 0);
    for (const stage of ['items', 'sentiment', 'enhance', 'embed']) assert.ok(estimate.stageRates[stage] > 0, `rate of ${stage}`);
    // The stand-in answers 11 prompt and 7 completion tokens per chat call.
    const { rows } = await w.world.infra.pg.query(
      `SELECT count(*)::int AS n FROM llm_calls WHERE left(workflow_id, length($1)) = $1 AND task IN ('sentiment', 'enhance')`,
      [`${listWorkflowId(tenantId, listId)}/`],
    );
    assert.ok(estimate.tokens.completion >= rows[0].n * 7);

    const report = await http(w.world.baseUrl, 'GET', `/v1/product-lists/${listId}/report`);
    assert.deepEqual(report.json.estimate, estimate);
  });

  it('a content draft reports its cost, and an ETA from the observed stage durations while drafting', async () => {
    const draft = await http(w.world.baseUrl, 'POST', '/v1/content/drafts', { brief: 'Announce our linen towels.', platforms: ['feed'] });
    assert.equal(draft.status, 202, draft.text);
    const content = await eventually(
      async () => {
        const read = await http(w.world.baseUrl, 'GET', `/v1/content/${draft.json.contentId}`);
        return ['pending', 'approved'].includes(read.json.status) ? read.json : undefined;
      },
      60_000,
      'the draft to be checked',
    );
    const expected = await sqlCost('workflow_id = $1', content.workflowId);
    assert.ok(expected > 0);
    assert.ok(Math.abs(content.estimate.costUsd - expected) < 1e-7, `${content.estimate.costUsd} vs ${expected}`);
    assert.equal(content.estimate.etaSeconds, 0); // drafted and checked: nothing left before review

    // While drafting, the ETA is the sum of the remaining stages' mean durations over recent calls.
    const drafting = await contentEstimate(w.world.infra.pg, w.world.config, content.workflowId, 'drafting');
    const { rows } = await w.world.infra.pg.query<{ ms: number }>(
      `SELECT sum(mean)::float8 AS ms FROM (SELECT avg(latency_ms) AS mean FROM (
         SELECT task, latency_ms, row_number() OVER (PARTITION BY task ORDER BY created_at DESC) AS n
           FROM llm_calls WHERE status = 'ok' AND task IN ('draft', 'styleCheck', 'embed')) r WHERE n <= 50 GROUP BY task) m`,
    );
    assert.equal(drafting.etaSeconds, Math.ceil(rows[0]!.ms / 1000));
    assert.deepEqual(Object.keys(drafting.stageRates).sort(), ['draft', 'embed', 'styleCheck']);
  });
});
