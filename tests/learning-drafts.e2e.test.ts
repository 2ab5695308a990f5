// Content drafts in the learning loop, on the real stack (Temporal, PostgreSQL, Elasticsearch for
// the duplicate check, the API over loopback): a draft takes a decision like every model call;
// reviewers' first-pass verdicts on a candidate's drafts are outcomes, and rejections trip the
// rejection guardrail → automatic rollback; the rolled-back version's drafts still in review are
// drafted again with production (once each), while drafts a person already decided on are only
// flagged. The chat model is the loopback OpenAI STAND-IN (the real local model cannot be made to
// answer per prompt version on demand); embeddings come from the real local model.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startWorldWithModelStandIn, type StandInWorld } from './support/model-standin-world';
import { bearer, eventually, http, tokenFor, type World } from './support/world';

const CANDIDATE_MARKER = '[variant terse]';

describe('learning loop: content drafts take decisions, reviewer verdicts are outcomes, a rollback redrafts', () => {
  let running: StandInWorld;
  let world: World;
  const tenant = `drafts-${randomUUID().slice(0, 8)}`;
  let admin: Record<string, string>;
  let editor: Record<string, string>;
  let reviewer: Record<string, string>;

  before(async () => {
    // Every draft goes to one reviewer (AI-generated text alone scores 0.1 ≥ 0.05).
    running = await startWorldWithModelStandIn({
      CONTENT_REVIEWERS: 'rita',
      CONTENT_AUTO_APPROVE_BELOW: '0.05',
      RATE_LIMIT_USER: '100000',
      RATE_LIMIT_TENANT: '100000',
    });
    let n = 0;
    running.llm.script([], (body: any) => {
      const task = body?.response_format?.json_schema?.name;
      if (task !== 'draft') return { content: JSON.stringify({ score: 0.95, issues: [] }) };
      const system = String(body?.messages?.[0]?.content ?? '');
      const who = system.includes(CANDIDATE_MARKER) ? 'candidate' : 'production';
      n++;
      return {
        content: JSON.stringify({
          title: `Towels ${n} (${who})`,
          body: `Draft ${n} by ${who} ${randomUUID()}: soft linen towels, quick to dry.`,
          summary: 'towels',
        }),
      };
    });
    world = running.world;
    admin = bearer(await tokenFor(world.config, { sub: 'ada', tenant, roles: ['admin'] }));
    editor = bearer(await tokenFor(world.config, { sub: 'eddie', tenant, roles: ['editor'] }));
    reviewer = bearer(await tokenFor(world.config, { sub: 'rita', tenant, roles: ['reviewer'] }));
  });
  after(async () => running?.stop());

  const call = (method: string, path: string, body?: unknown, who = admin) => http(world.baseUrl, method, path, body, who);
  const pg = () => world.infra.pg;

  async function draftUntilPending(): Promise<{ contentId: string; arm: string; decisionId: string }> {
    const started = await call(
      'POST',
      '/v1/content/drafts',
      {
        brief: 'Announce our linen bath towels.',
        tone: 'friendly',
        maxWords: 80,
        structure: 'announcement',
        platforms: ['feed'],
        publishAt: '2035-01-01T09:00:00Z',
      },
      editor,
    );
    assert.equal(started.status, 202, started.text);
    const { contentId } = started.json;
    await eventually(
      async () => {
        const content = await call('GET', `/v1/content/${contentId}`, undefined, editor);
        assert.notEqual(content.json.status, 'failed', content.text);
        return content.json.status === 'pending' ? true : undefined;
      },
      60_000,
      `draft ${contentId} in review`,
      1_000,
    );
    // The first draft's decision (a redraft after a rollback may have taken a second one already).
    const { rows } = await pg().query<{ decision_id: string; prompt_version: string }>(
      `SELECT decision_id, prompt_version FROM llm_decisions WHERE tenant_id = $1 AND subject = $2 AND task = 'draft' ORDER BY created_at LIMIT 1`,
      [tenant, `content:${contentId}`],
    );
    return { contentId, arm: rows[0]!.prompt_version, decisionId: rows[0]!.decision_id };
  }

  it('records a decision for each draft, counts reviewer rejections against the candidate, rolls it back and redrafts its drafts in review', async () => {
    const created = await call('POST', '/v1/learning/prompts/draft/versions', {
      instructions: `${CANDIDATE_MARKER} You draft marketing content from a brief, in a {tone} tone, at most {maxWords} words. Be terse.`,
      temperature: 0.5,
      maxTokens: 400,
      reason: 'shorter drafts',
    });
    assert.equal(created.status, 201, created.text);
    const candidate = created.json.version as string;
    const started = await call('POST', '/v1/learning/experiments', {
      task: 'draft',
      candidates: [candidate],
      settings: { pollIntervalMs: 400, minShare: 0.4, guardrails: { minSamples: 8 } },
      reason: 'try terse drafts',
    });
    assert.equal(started.status, 202, started.text);
    const { experimentId } = started.json;

    // Reviewers approve production's drafts and reject up to ten of the candidate's (the guardrail
    // may trip from the eighth) — not the first two, nor any after the tenth: those stay in review
    // (the rollback must redraft them; a reviewer deciding on a draft while the redrive claims it
    // would race with it).
    const held: string[] = [];
    const decided: { contentId: string; arm: string; verdict: string }[] = [];
    const REJECTIONS = 10;
    let status = 'running';
    for (let round = 0; round < 20 && status === 'running'; round++) {
      const drafts = await Promise.all(Array.from({ length: 3 }, () => draftUntilPending()));
      for (const draft of drafts) {
        const rejectedSoFar = decided.filter((d) => d.verdict === 'reject').length;
        if (draft.arm === candidate && (held.length < 2 || rejectedSoFar >= REJECTIONS)) {
          held.push(draft.contentId);
          continue;
        }
        const verdict = draft.arm === candidate ? 'reject' : 'approve';
        const reviewed = await call(
          'POST',
          `/v1/content/${draft.contentId}/reviews`,
          { decision: verdict, comment: verdict === 'reject' ? 'not our voice' : undefined },
          reviewer,
        );
        assert.equal(reviewed.status, 200, reviewed.text);
        decided.push({ ...draft, verdict });
      }
      status = (await call('GET', `/v1/learning/experiments/${experimentId}`)).json.status;
    }
    const record = await eventually(
      async () => {
        const current = await call('GET', `/v1/learning/experiments/${experimentId}`);
        return current.json.status === 'rolled-back' ? current.json : undefined;
      },
      30_000,
      'the automatic rollback',
      1_000,
    );
    assert.match(String(record.outcome.reason), /rejection/, record.outcome.reason);
    assert.doesNotMatch(String(record.outcome.reason), /invalid-output/);
    // The guardrail needs minSamples (8) outcomes before it may trip; the loop notices the rollback
    // at its next status read, so 8 to 10 rejections were sent by then.
    const rejected = decided.filter((d) => d.verdict === 'reject');
    assert.ok(rejected.length >= 8 && rejected.length <= REJECTIONS, `${rejected.length} rejections before the rollback`);
    const audit = await call('GET', `/v1/learning/audit?experimentId=${experimentId}`);
    assert.ok(
      audit.json.items.some(
        (entry: any) => entry.action === 'rollback' && entry.actor === 'system:guardrail' && entry.fromVersion === candidate,
      ),
      JSON.stringify(audit.json.items),
    );

    // Each draft's call records its decision and version, and the revision names the decision.
    const { rows: calls } = await pg().query<{ content_id: string; decision_id: string | null; prompt_version: string; ai: any }>(
      `SELECT r.content_id, c.decision_id, c.prompt_version, r.ai FROM content_revisions r JOIN llm_calls c ON c.call_id::text = r.ai->>'callId'
        WHERE r.tenant_id = $1 AND r.revision = 1`,
      [tenant],
    );
    assert.equal(calls.length, decided.length + held.length);
    for (const row of calls) {
      const d = [...decided, ...held.map((contentId) => ({ contentId, arm: candidate }))].find((x) => x.contentId === row.content_id)!;
      assert.ok(row.decision_id, `the call of ${row.content_id} names its decision`);
      assert.equal(row.ai.decisionId, row.decision_id);
      assert.equal(row.prompt_version, d.arm);
    }

    // Redrive: the held candidate drafts are drafted again with production, once each, and are back in review.
    for (const contentId of held) {
      const redrafted = await eventually(
        async () => {
          const content = await call('GET', `/v1/content/${contentId}`, undefined, editor);
          return content.json.revision === 2 && content.json.status === 'pending' ? content.json : undefined;
        },
        60_000,
        `the redraft of ${contentId}`,
        1_000,
      );
      assert.match(redrafted.title, /\(production\)/);
      const revisions = await call('GET', `/v1/content/${contentId}/revisions`, undefined, editor);
      assert.deepEqual(
        revisions.json.items.map((r: any) => [r.revision, r.ai?.promptVersion]),
        [
          [1, candidate],
          [2, 'draft@1'],
        ],
      );
      const trail = await call('GET', `/v1/content/${contentId}/audit`, undefined, editor);
      assert.equal(trail.json.items.filter((e: any) => e.action === 'draft.redriven').length, 1, 'redrafted once');
    }
    const { rows: redrives } = await pg().query<{ subject_id: string; action: string; status: string }>(
      `SELECT subject_id, action, status FROM learning_redrives WHERE experiment_id = $1 AND subject_kind = 'content' ORDER BY subject_id`,
      [experimentId],
    );
    assert.deepEqual(
      redrives.filter((r) => r.action === 'redraft').map((r) => [r.subject_id, r.status]),
      [...held].sort().map((id) => [id, 'started']),
    );
    // Drafts a reviewer already rejected are flagged, not rewritten; production's approved drafts are untouched.
    assert.deepEqual(
      redrives.filter((r) => r.action === 'flagged-for-review').map((r) => r.subject_id),
      rejected.map((d) => d.contentId).sort(),
    );
    const { rows: revisionCounts } = await pg().query<{ content_id: string; n: number }>(
      `SELECT content_id, count(*)::int AS n FROM content_revisions WHERE tenant_id = $1 GROUP BY content_id`,
      [tenant],
    );
    for (const d of decided)
      assert.equal(revisionCounts.find((r) => r.content_id === d.contentId)?.n, 1, `${d.contentId} (${d.verdict}) keeps its one revision`);
    const { rows: redraftDecisions } = await pg().query<{ prompt_version: string; n: number }>(
      `SELECT prompt_version, count(*)::int AS n FROM llm_decisions WHERE tenant_id = $1 AND subject = ANY($2) GROUP BY prompt_version ORDER BY prompt_version`,
      [tenant, held.map((id) => `content:${id}`)],
    );
    assert.deepEqual(
      redraftDecisions.map((r) => [r.prompt_version, r.n]).sort(),
      [
        [candidate, held.length],
        ['draft@1', held.length],
      ].sort(),
    );
  });
});
