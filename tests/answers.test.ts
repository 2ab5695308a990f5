// Answers with cited sources on the real stack: Elasticsearch retrieval over a tenant's products
// and approved content (the evaluation set), real embeddings, the answer workflow on Temporal,
// interactions and feedback in PostgreSQL. The chat model is the loopback stand-in, answering
// by citing ids that the request's JSON schema offers (or, to test validation, one it does not).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { seedEvaluationKnowledge } from '../fixtures/answers-evaluation';
import { esIndices } from '../src/stores/elasticsearch';
import { startWorldWithModelStandIn, type StandInWorld } from './support/model-standin-world';
import { actAs, http, tokenFor } from './support/world';

/** The stand-in model: cites the first (or all) ids the answer schema allows; other tasks get a style verdict. */
function citingModel(mode: { cite: 'first' | 'outside' }) {
  return (body: any) => {
    const schema = body?.response_format?.json_schema;
    if (schema?.name !== 'answer') return { content: JSON.stringify({ score: 0.95, issues: [] }) };
    const offered: string[] = schema.schema.properties.citations.items.enum ?? [];
    const citations = mode.cite === 'first' ? offered.slice(0, 1) : ['product:not-retrieved'];
    return { content: JSON.stringify({ answer: `Per the sources: ${offered[0] ?? 'nothing'}.`, citations }) };
  };
}

const chatCalls = (w: StandInWorld) => w.llm.requests.filter((r) => r.path.endsWith('/chat/completions'));

describe('answers with cited sources', () => {
  let w: StandInWorld;
  const tenantA = `ans-a-${randomUUID().slice(0, 8)}`;
  const tenantB = `ans-b-${randomUUID().slice(0, 8)}`;
  let base: string;
  let tokenA: string;
  let tokenA2: string;
  let tokenB: string;

  before(async () => {
    w = await startWorldWithModelStandIn({
      LLM_PRICE_INPUT_PER_1K: '0.5',
      LLM_PRICE_OUTPUT_PER_1K: '1.5',
      ANSWERS_SIMILAR_QUESTION: '0.8',
    });
    base = w.world.baseUrl;
    tokenA = await tokenFor(w.world.config, { sub: 'alice', tenant: tenantA, roles: ['editor'] });
    tokenA2 = await tokenFor(w.world.config, { sub: 'arno', tenant: tenantA, roles: ['editor'] });
    tokenB = await tokenFor(w.world.config, { sub: 'bob', tenant: tenantB, roles: ['editor'] });
    actAs(base, tokenA);
    await seedEvaluationKnowledge(w.world.infra, tenantA);
    // Tenant B knows one article on the very same topic; tenant A must never see it.
    const [vector] = await w.world.infra.llm.embed(['Seasoning cast iron the B way'], { tenantId: tenantB });
    await w.world.infra.es.index({
      index: esIndices(w.world.config).documents,
      id: `content:${tenantB}:b-cast-iron`,
      document: {
        docId: 'b-cast-iron',
        tenantId: tenantB,
        kind: 'content',
        title: 'Seasoning cast iron the B way',
        text: 'Tenant B: oil the cast iron skillet and bake it.',
        embedding: vector,
        updatedAt: new Date().toISOString(),
      },
      refresh: 'wait_for',
    });
  });
  after(async () => {
    await w?.stop();
  });

  const ask = (question: string, token = tokenA) =>
    http(base, 'POST', '/v1/answers', { question, wait: true }, { authorization: `Bearer ${token}` });

  it('when the sources answer the question, then the answer cites only retrieved ids, is labelled AI-generated, and the interaction is stored', async () => {
    w.llm.script([], citingModel({ cite: 'first' }));
    const response = await ask('How do I season a cast iron skillet?');
    assert.equal(response.status, 200, response.text);
    const answer = response.json;
    assert.equal(answer.status, 'answered');
    assert.equal(answer.aiGenerated, true);
    assert.match(answer.notice, /AI model/);
    assert.equal(answer.promptVersion, 'answer@1');

    const selected = answer.sources.filter((s: any) => s.selected).map((s: any) => s.id);
    assert.ok(selected.length >= 1 && selected.length <= 5);
    assert.ok(selected.includes('content:season-cast-iron'), `selected ${selected}`);
    assert.deepEqual(
      answer.citations.map((c: any) => c.id),
      [selected[0]],
    );
    // The model was offered exactly the selected sources, no others.
    const offered = chatCalls(w)[0]!.body.response_format.json_schema.schema.properties.citations.items.enum;
    assert.deepEqual([...offered].sort(), [...selected].sort());
    // Fused scores with the ranks each retriever gave.
    const top = answer.sources[0];
    assert.ok(top.score > 0 && Object.keys(top.ranks).every((name: string) => /^(product|content|research-report):(bm25|knn)$/.test(name)));

    const { rows } = await w.world.infra.pg.query('SELECT * FROM answer_interactions WHERE answer_id = $1', [answer.answerId]);
    const row = rows[0];
    assert.equal(row.tenant_id, tenantA);
    assert.equal(row.question, 'How do I season a cast iron skillet?');
    assert.equal(row.status, 'answered');
    assert.equal(row.prompt_version, 'answer@1');
    assert.ok(row.model);
    assert.ok(row.latency_ms >= 0 && row.retrieval_ms >= 0);
    assert.equal(row.question_embedding.length, w.world.config.EMBEDDING_DIMENSIONS);
    // The stand-in reports 11 prompt + 7 completion tokens: 0.011 × 0.5 + 0.007 × 1.5.
    assert.equal(Number(row.cost_usd), 0.0055 + 0.0105);
    assert.equal(answer.costUsd, 0.016);
    // The learning loop's decision engine chose the call's version, and the call records it.
    const call = await w.world.infra.pg.query(
      `SELECT decision_id, prompt_version FROM llm_calls WHERE workflow_id = $1 AND task = 'answer'`,
      [answer.workflowId],
    );
    assert.ok(call.rows[0]?.decision_id, 'the answer call carries its decision');
  });

  it('when the model cites an id it was not given, then no answer is stored and the interaction is failed', async () => {
    w.llm.script([], citingModel({ cite: 'outside' }));
    const response = await ask('Which Japanese chef knife with Damascus steel do you sell?');
    assert.equal(response.status, 200, response.text);
    assert.equal(response.json.status, 'failed');
    assert.equal(response.json.answer, undefined);
    assert.deepEqual(response.json.citations, []);
    assert.match(response.json.error, /LlmInvalidOutput/);
    assert.equal(chatCalls(w).length, 2); // the answer and its one repair, both refused
  });

  it('when no source is relevant, then the answer is an honest "not found" and the model is not asked', async () => {
    w.llm.script([], citingModel({ cite: 'first' }));
    const response = await ask('What is the capital of Australia?');
    assert.equal(response.status, 200, response.text);
    assert.equal(response.json.status, 'not_found');
    assert.equal(response.json.answer, undefined);
    assert.equal(response.json.aiGenerated, undefined);
    assert.ok(response.json.sources.every((s: any) => !s.selected && s.similarity < w.world.config.ANSWERS_MIN_SIMILARITY));
    assert.equal(chatCalls(w).length, 0);
  });

  it('when a source is marked wrong for similar questions repeatedly, then it is demoted for the next similar question only', async () => {
    w.llm.script([], citingModel({ cite: 'first' }));
    const first = (await ask('How should I look after my leather Chelsea boots?')).json;
    assert.equal(first.status, 'answered');
    const wrong = first.citations[0].id as string;
    const rankBefore = first.sources.findIndex((s: any) => s.id === wrong);

    // Marked wrong on one answer (twice, by two people: still one answer) …
    for (const token of [tokenA, tokenA2]) {
      const marked = await http(
        base,
        'POST',
        `/v1/answers/${first.answerId}/feedback`,
        { verdict: 'wrong_source', sourceId: wrong },
        { authorization: `Bearer ${token}` },
      );
      assert.equal(marked.status, 201, marked.text);
    }
    const once = (await ask('How should I care for my leather Chelsea boots?')).json;
    assert.equal(once.sources.find((s: any) => s.id === wrong)?.demotedBy, undefined, 'one answer marked wrong is not yet "repeatedly"');

    // … and on a second answer to a similar question: now it is demoted.
    assert.equal(once.citations[0].id, wrong);
    const second = await http(base, 'POST', `/v1/answers/${once.answerId}/feedback`, { verdict: 'wrong_source', sourceId: wrong });
    assert.equal(second.status, 201, second.text);

    const next = (await ask('How do I look after leather Chelsea boots?')).json;
    assert.equal(next.status, 'answered');
    const demoted = next.sources.find((s: any) => s.id === wrong);
    assert.equal(demoted.demotedBy, 2);
    assert.ok(next.sources.indexOf(demoted) > rankBefore, `rank ${next.sources.indexOf(demoted)} after, ${rankBefore} before`);
    assert.notEqual(next.citations[0].id, wrong);

    // An unrelated question keeps the source where it was.
    const unrelated = (await ask('Which shoe is waterproof for trail running?')).json;
    assert.ok(unrelated.sources.every((s: any) => s.demotedBy === undefined));

    // The outcome reached the learning loop's records.
    const { rows } = await w.world.infra.pg.query(
      `SELECT subject_id, signal, value, prompt_version, detail FROM learning_feedback WHERE subject_kind = 'answer' AND tenant_id = $1 ORDER BY id`,
      [tenantA],
    );
    assert.deepEqual(
      rows.map((r) => [r.subject_id, r.signal, r.value]),
      [
        [first.answerId, 'answer_wrong_source', -1],
        [first.answerId, 'answer_wrong_source', -1],
        [once.answerId, 'answer_wrong_source', -1],
      ],
    );
    assert.equal(rows[0].prompt_version, 'answer@1');
    assert.equal(rows[0].detail.sourceId, wrong);

    const helpful = await http(base, 'POST', `/v1/answers/${next.answerId}/feedback`, { verdict: 'helpful' });
    assert.equal(helpful.status, 201);
    const again = await http(base, 'POST', `/v1/answers/${next.answerId}/feedback`, { verdict: 'helpful' });
    assert.equal(again.json.recorded, false, 'the same verdict twice is stored once');
    const view = await http(base, 'GET', `/v1/answers/${next.answerId}`);
    assert.deepEqual(
      view.json.feedback.map((f: any) => f.verdict),
      ['helpful'],
    );
  });

  it('research reports are a source too, cited with a link to the report page', async () => {
    w.llm.script([], citingModel({ cite: 'first' }));
    const text = 'Competitor shop prices for trail running shoes are 12 % below ours on average; waterproof models differ most.';
    const [vector] = await w.world.infra.llm.embed([`Competitor price research: trail running shoes\n${text}`], { tenantId: tenantA });
    // The document as the site research workflow indexes its report.
    await w.world.infra.es.index({
      index: esIndices(w.world.config).documents,
      id: `research-report/run-${tenantA}`,
      document: {
        docId: `research-report/run-${tenantA}`,
        tenantId: tenantA,
        kind: 'research-report',
        title: 'Competitor price research: trail running shoes',
        text,
        embedding: vector,
        updatedAt: new Date().toISOString(),
      },
      refresh: 'wait_for',
    });
    const answer = (await ask('How do competitor prices for trail running shoes compare with ours?')).json;
    const report = answer.sources.find((s: any) => s.kind === 'research-report');
    assert.ok(report?.selected, JSON.stringify(answer.sources.slice(0, 3)));
    assert.equal(report.id, `research-report:run-${tenantA}`);
    assert.equal(report.link, `/v1/research-runs/run-${tenantA}/report.html`);
  });

  it("tenants never see each other's sources or answers", async () => {
    w.llm.script([], citingModel({ cite: 'first' }));
    const a = (await ask('How do I season a cast iron skillet?')).json;
    assert.ok(a.sources.length > 0);
    assert.ok(a.sources.every((s: any) => s.id !== 'content:b-cast-iron'));

    const b = (await ask('How do I season a cast iron skillet?', tokenB)).json;
    assert.equal(b.status, 'answered');
    assert.deepEqual(
      b.sources.map((s: any) => s.id),
      ['content:b-cast-iron'],
    );
    assert.deepEqual(
      b.citations.map((c: any) => c.id),
      ['content:b-cast-iron'],
    );

    assert.equal((await http(base, 'GET', `/v1/answers/${a.answerId}`, undefined, { authorization: `Bearer ${tokenB}` })).status, 404);
    const foreign = await http(
      base,
      'POST',
      `/v1/answers/${a.answerId}/feedback`,
      { verdict: 'helpful' },
      { authorization: `Bearer ${tokenB}` },
    );
    assert.equal(foreign.status, 404);
  });

  it('bad input gets a clear 4xx', async () => {
    const empty = await http(base, 'POST', '/v1/answers', { question: '' });
    assert.equal(empty.status, 400);
    assert.equal(empty.contentType.split(';')[0], 'application/problem+json');
    assert.equal((await http(base, 'POST', '/v1/answers', { question: 'ok?', extra: 1 })).status, 400);
    assert.equal((await http(base, 'GET', '/v1/answers/nope')).status, 404);

    w.llm.script([], citingModel({ cite: 'first' }));
    const answered = (await ask('Carbon trekking poles')).json;
    const noSource = await http(base, 'POST', `/v1/answers/${answered.answerId}/feedback`, { verdict: 'wrong_source' });
    assert.equal(noSource.status, 400);
    const uncited = await http(base, 'POST', `/v1/answers/${answered.answerId}/feedback`, {
      verdict: 'wrong_source',
      sourceId: 'product:somewhere-else',
    });
    assert.equal(uncited.status, 422, 'well-formed, but not a cited source');
    assert.match(uncited.json.detail, /not a source this answer cites/);
    const duplicate = await http(base, 'POST', '/v1/answers', { question: 'Carbon trekking poles', answerId: answered.answerId });
    assert.equal(duplicate.status, 409);

    // Without waiting: 202 and a Location to poll.
    const started = await http(base, 'POST', '/v1/answers', { question: 'Rechargeable headlamp with a red light' });
    assert.equal(started.status, 202);
    assert.equal(started.headers.get('location'), `/v1/answers/${started.json.answerId}`);
  });
});
