// G6: how fast a review decision moves the workflow on, and whether a steady stream of
// decisions loses any. Approved contents publish (to the feed) during the run; with
// `scheduled` they are to be published tomorrow, so the figures show the review path alone.
// 1. Baseline: round trip of a no-op workflow (start → result) on the same server.
// 2. Update-to-next-activity: from sending a review Update until the activity it triggers
//    (the audit write) starts, read from that activity's own timestamp in PostgreSQL — first
//    one Update at a time on an idle system, then under the stream below.
// 3. `contents` pending reviews get one approval each at `rate` per second; every content must
//    end approved with exactly one decision in the audit trail.
// The chat model is the loopback OpenAI stand-in (style verdicts in ~1 ms), so model latency
// does not hide orchestration; embeddings come from the local model.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Principal } from '../src/auth/principal';
import { reviewContent, submitContent } from '../src/content/service';
import { taskQueues } from '../src/temporal/task-queues';
import { pingWorkflow } from '../src/workflows/ping';
import { startOpenAiStandIn } from '../tests/support/openai-standin';
import { startWorld } from '../tests/support/world';
import { cpuPerUnit, cpuSnapshot } from './support/cpu';
import type { BenchReport, Figure } from './support/figures';
import { percentile } from './support/stats';

export async function benchReviewUpdates({ quick, scheduled = false }: { quick: boolean; scheduled?: boolean }): Promise<BenchReport> {
  const contents = quick ? 80 : 500;
  const rate = 10;
  const IDLE = quick ? 15 : 30;
  const publishAt = scheduled ? new Date(Date.now() + 86_400_000).toISOString() : undefined;
  const total = contents + IDLE;
  const llm = await startOpenAiStandIn();
  llm.script([], { content: JSON.stringify({ score: 0.95, issues: [] }) });
  const world = await startWorld({
    OPENAI_BASE_URL: llm.baseUrl,
    BLOB_DIR: mkdtempSync(path.join(tmpdir(), 'bench-blobs-')),
    LOG_LEVEL: 'error',
    // Every content needs one reviewer; publishing goes to the feed; monitoring once, soon.
    CONTENT_AUTO_APPROVE_BELOW: '0',
    CONTENT_REVIEWERS: 'bob',
    CONTENT_MONITOR_AFTER: '1s',
  });
  const tenantId = `bench-${randomUUID().slice(0, 6)}`;
  const alice: Principal = { userId: 'alice', tenantId, roles: ['editor'] };
  const bob: Principal = { userId: 'bob', tenantId, roles: ['reviewer'] };
  const { pg, temporal } = world.infra;

  // 1. Baseline.
  const pingMs: number[] = [];
  for (let i = -3; i < 50; i++) {
    const started = performance.now();
    await temporal.workflow.execute(pingWorkflow, {
      workflowId: `bench-ping/${tenantId}/${i}`,
      taskQueue: taskQueues(world.config).default,
      args: ['ping'],
    });
    if (i >= 0) pingMs.push(performance.now() - started);
  }

  // Pending reviews, created a few at a time.
  const ids: string[] = [];
  const createStarted = performance.now();
  for (let i = 0; i < total; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, total - i) }, (_, j) =>
        submitContent(world.infra, alice, {
          title: `Bench ${i + j}`,
          body: `Bench text ${i + j} ${randomUUID()} about linen towels.`,
          platforms: ['feed'],
          publishAt,
        }),
      ),
    );
    ids.push(...batch.map((b) => b.contentId));
  }
  for (;;) {
    const { rows } = await pg.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM content_items WHERE tenant_id = $1 AND status = 'pending'`,
      [tenantId],
    );
    if (rows[0]!.n === total) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const createSeconds = (performance.now() - createStarted) / 1000;

  const auditedAt = async (ids: string[]) => {
    const { rows } = await pg.query<{ content_id: string; at: Date; n: number }>(
      `SELECT content_id, min(at) AS at, count(*)::int AS n FROM content_audit
        WHERE tenant_id = $1 AND action = 'review.approve' AND content_id = ANY($2) GROUP BY content_id`,
      [tenantId, ids],
    );
    return rows;
  };

  // 2a. One Update at a time, nothing else running (the first 30 contents; publishing of each
  // finishes before the next Update is sent).
  const idleIds = ids.splice(0, IDLE);
  const idleSent = new Map<string, number>();
  for (const id of idleIds) {
    idleSent.set(id, Date.now());
    await reviewContent(world.infra, bob, id, { decision: 'approve' });
    if (!scheduled) await temporal.workflow.getHandle(`content/${tenantId}/${id}`).result();
  }
  const idleLatencies = (await auditedAt(idleIds)).map((row) => row.at.getTime() - idleSent.get(row.content_id)!);

  // 2b + 3. One approval per content at a steady rate.
  const sentAt = new Map<string, number>();
  const answered: string[] = [];
  const failed: { id: string; error: string }[] = [];
  const inFlight: Promise<void>[] = [];
  const streamStarted = Date.now();
  const cpuBefore = cpuSnapshot({ 'worker+bench': process.pid });
  for (let i = 0; i < ids.length; i++) {
    const due = streamStarted + (i * 1000) / rate;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
    const id = ids[i]!;
    sentAt.set(id, Date.now());
    inFlight.push(
      reviewContent(world.infra, bob, id, { decision: 'approve' }).then(
        () => void answered.push(id),
        (error: unknown) => void failed.push({ id, error: String(error) }),
      ),
    );
  }
  await Promise.all(inFlight);
  const streamSeconds = (Date.now() - streamStarted) / 1000;
  const cpuAfter = cpuSnapshot({ 'worker+bench': process.pid });

  const audit = await auditedAt(ids);
  const latencies = audit.map((row) => row.at.getTime() - sentAt.get(row.content_id)!);
  const { rows: approved } = await pg.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM content_items WHERE tenant_id = $1 AND status = 'approved'`,
    [tenantId],
  );
  const duplicated = audit.filter((row) => row.n !== 1).length;

  const ping50 = percentile(pingMs, 50);
  const lost = ids.length - audit.length;
  const figure = (label: string, values: number[], extra: string): Figure => {
    const value = percentile(values, 95) / ping50;
    const ok = value <= 3 && (extra === '' || (lost === 0 && duplicated === 0));
    return {
      id: 'G6',
      name: `review Update → next activity p95 / no-op round trip, ${label}`,
      measured: value.toFixed(2),
      target: extra ? '≤ 3.00, 0 lost' : '≤ 3.00',
      met: ok,
      detail: `p50 ${percentile(values, 50)} / p95 ${percentile(values, 95)} ms vs no-op p50 ${ping50.toFixed(1)} ms (${values.length} updates)${extra}`,
    };
  };
  const result: BenchReport = {
    figures: [
      figure('one at a time', idleLatencies, ''),
      figure(
        `${rate}/s stream${scheduled ? '' : ' + publishing'}`,
        latencies,
        `; lost ${lost}, duplicated ${duplicated}, refused ${failed.length}, approved ${approved[0]!.n}/${total}`,
      ),
    ],
    notes: [
      `G6 ${total} pending reviews created in ${createSeconds.toFixed(1)} s; stream of ${ids.length} took ${streamSeconds.toFixed(1)} s`,
      `G6 ${cpuPerUnit(cpuBefore, cpuAfter, ids.length, 'streamed approval')}`,
      ...failed.slice(0, 3).map((failure) => `G6 failed ${failure.id}: ${failure.error}`),
    ],
  };

  if (scheduled) {
    // Leave nothing waiting for tomorrow on the shared server.
    await Promise.all(
      [...idleIds, ...ids].map((id) =>
        temporal.workflow
          .getHandle(`content/${tenantId}/${id}`)
          .terminate('benchmark finished')
          .catch(() => undefined),
      ),
    );
  }
  await world.stop();
  await llm.close();
  return result;
}
