// The content workflow's timers at their REAL durations (hours and days) on the time-skipping
// test server, with mocked activities: reminder, escalation and 24 h expiry; a deadline moved by
// an Update; monitoring at +1 h, +24 h and +7 d; a publish time days ahead. Times are read from
// the server (when each activity was scheduled), so no assertion depends on the machine's speed.
// Real stores and the real model are covered by tests/content-review.test.ts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ContentPublishActivities } from '../src/activities/content-publish';
import type { ContentReviewActivities } from '../src/activities/content-review';
import { checkpointLabel, type ContentEvent, type ReviewPolicy } from '../src/content/model';
import type { NotificationEvent } from '../src/notifications/types';
import {
  contentReviewWorkflow,
  contentStatusQuery,
  extendDeadlineUpdate,
  reviewUpdate,
  type ContentReviewInput,
} from '../src/workflows/content-review';
import { startTimeSkippingWorkers, type TimeSkippingWorkers } from './support/time-skipping';
import './support/world'; // quiet SDK logging

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const QUEUE = `timers-${randomUUID().slice(0, 8)}`;

const policy: ReviewPolicy = {
  autoApproveBelow: 0.2,
  twoReviewersAtOrAbove: 0.7,
  reminderAfterMs: 4 * HOUR,
  escalateAfterMs: 8 * HOUR,
  expireAfterMs: DAY,
  expiryPolicy: 'expire',
  reviewers: ['bob', 'carol'],
  escalateTo: 'lead',
  monitorAfterMs: [HOUR, DAY, 7 * DAY],
};

/** What the mocked activities saw, per content, each with the server time it was scheduled at. */
interface Seen {
  events: { action: string; at: number; assignee?: string | null }[];
  notifications: { kind: NotificationEvent['kind']; recipients: string[]; at: number }[];
  published: number[];
  metrics: { afterMs: number; at: number }[];
}
const seen = new Map<string, Seen>();
const of = (contentId: string) => {
  if (!seen.has(contentId)) seen.set(contentId, { events: [], notifications: [], published: [], metrics: [] });
  return seen.get(contentId)!;
};
const scheduledAt = () => Context.current().info.currentAttemptScheduledTimestampMs;
/** The server's (skipped) time. A local activity (the audit events) runs inside its workflow
 *  task, while the server's clock stands still, so this is when it was scheduled; its own
 *  timestamps are the worker's wall clock. */
let serverTime: () => Promise<number>;
const eventAt = async () => (Context.current().info.isLocal ? serverTime() : scheduledAt());

/** What the sensitive-word check finds per content: a flagged term routes to one reviewer, a
 *  blocked one and a flagged one to two; nothing found is approved automatically. */
type Finding = 'flagged' | 'blocked';
const findings = new Map<string, Finding>();

type Mocked = Pick<
  ContentReviewActivities,
  | 'recordRevision'
  | 'checkStyle'
  | 'checkSensitiveWords'
  | 'checkDuplicate'
  | 'recordContentEvent'
  | 'indexContent'
  | 'recordReviewFeedback'
> &
  Pick<ContentPublishActivities, 'publishToPlatform' | 'recordPublicationFailure' | 'collectContentMetrics' | 'notify'>;

/* eslint-disable @typescript-eslint/require-await -- mocked activities answer at once */
const activities: Mocked = {
  async recordRevision() {},
  async checkStyle() {
    return { score: 1, issues: [] };
  },
  async checkSensitiveWords({ contentId }) {
    const flag = { term: 'guaranteed', locale: 'en', severity: 'flag' as const };
    const block = { term: 'miracle cure', locale: 'en', severity: 'block' as const };
    const finding = findings.get(contentId);
    return { matches: finding === 'blocked' ? [block, flag] : finding === 'flagged' ? [flag] : [] };
  },
  async checkDuplicate() {
    return { score: 0 };
  },
  async recordContentEvent(event: ContentEvent) {
    of(event.contentId).events.push({ action: event.action, at: await eventAt(), assignee: event.assignee });
  },
  async indexContent() {},
  async recordReviewFeedback() {},
  async publishToPlatform({ contentId, platform }) {
    of(contentId).published.push(scheduledAt());
    return { platform, externalId: `post-${contentId}`, url: `https://example.test/${contentId}`, alreadyPublished: false };
  },
  async recordPublicationFailure() {},
  async collectContentMetrics({ contentId, afterMs }) {
    of(contentId).metrics.push({ afterMs, at: scheduledAt() });
    return { checkpoint: checkpointLabel(afterMs), platforms: 1 };
  },
  async notify(event: NotificationEvent) {
    of(event.contentId).notifications.push({ kind: event.kind, recipients: event.recipients, at: scheduledAt() });
    return { delivered: true };
  },
};
/* eslint-enable @typescript-eslint/require-await */

describe('content workflow timers on the time-skipping server (real durations, mocked activities)', () => {
  let env: TestWorkflowEnvironment;
  let server: TimeSkippingWorkers | undefined;

  before(async () => {
    serverTime = () => env.currentTimeMs();
    // The workflow routes interactive writes to <prefix>-high and model calls to <prefix>-llm.
    server = await startTimeSkippingWorkers({
      queuePrefix: QUEUE,
      workflowsPath: require.resolve('../src/workflows'),
      interceptors: { workflowModules: [require.resolve('./support/drop-search-attributes')] },
      activities,
      activityKinds: ['high', 'llm'],
    });
    env = server.env;
  });
  after(() => server?.stop());

  async function start({ finding, ...overrides }: Partial<ContentReviewInput> & { finding?: Finding } = {}) {
    const contentId = randomUUID();
    if (finding) findings.set(contentId, finding);
    const input: ContentReviewInput = {
      tenantId: 't1',
      contentId,
      authorId: 'alice',
      locale: 'en',
      platforms: ['feed'],
      submission: { kind: 'text', title: 'Towels', bodyKey: 'blob/towels.txt' },
      policy,
      ...overrides,
    };
    const startedAt = await env.currentTimeMs();
    const handle = await env.client.workflow.start(contentReviewWorkflow, {
      taskQueue: `${QUEUE}-default`,
      workflowId: `content/t1/${contentId}`,
      args: [input],
    });
    return { contentId, handle, startedAt };
  }

  /** Waits (on the wall clock, without skipping time) until the workflow's state satisfies `ready`. */
  async function until(handle: Awaited<ReturnType<typeof start>>['handle'], ready: (status: string) => boolean) {
    for (let i = 0; i < 200; i++) {
      const state = await handle.query(contentStatusQuery);
      if (ready(state.status)) return state;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail('the workflow did not reach the expected state');
  }

  const at = (content: Seen, action: string) => content.events.find((event) => event.action === action)?.at;
  /** Server times of two activities bracket the timer between them: within a minute of the expected offset. */
  const near = (actual: number, expected: number) => Math.abs(actual - expected) < MINUTE;

  it('when nobody reviews, then a reminder at 4 h, an escalation to the lead at 8 h, and expiry at 24 h', async () => {
    const { contentId, handle } = await start({ finding: 'flagged' });
    await until(handle, (status) => status === 'pending');
    const result = await handle.result(); // the server skips time while the client waits
    assert.equal(result.status, 'expired');

    const content = of(contentId);
    const routed = at(content, 'review.routed')!;
    assert.ok(routed, 'routed to a reviewer');
    const offset = (action: string) => at(content, action)! - routed;
    // Each event comes at its offset from when review started (activities are scheduled within seconds of the timer).
    for (const [action, expected] of [
      ['review.reminder', 4 * HOUR],
      ['review.escalated', 8 * HOUR],
      ['review.expired', DAY],
    ] as const) {
      const actual = offset(action);
      assert.ok(near(actual, expected), `${action} at +${actual / HOUR} h, expected +${expected / HOUR} h`);
    }
    assert.equal(content.events.find((event) => event.action === 'review.escalated')?.assignee, 'lead');
    const kinds = content.notifications.map((n) => n.kind);
    assert.deepEqual(kinds, ['review-assigned', 'review-reminder', 'review-escalated', 'review-expired']);
    const assignee = content.events.find((event) => event.action === 'review.routed')?.assignee;
    assert.ok(assignee && ['bob', 'carol'].includes(assignee));
    assert.deepEqual(
      content.notifications.find((n) => n.kind === 'review-escalated')?.recipients,
      ['lead', assignee],
      'the lead and the reviewer it was taken from',
    );
    assert.deepEqual(content.notifications.find((n) => n.kind === 'review-expired')?.recipients, ['alice'], 'the author learns it expired');
    assert.equal(content.published.length, 0, 'expired content is not published');
  });

  it('under the auto-approve expiry policy, one-reviewer content is approved at 24 h, two-reviewer content expires', async () => {
    const autoApprove = { ...policy, expiryPolicy: 'auto-approve' as const, monitorAfterMs: [HOUR] };
    // One at a time: the test server skips time for every workflow at once.
    const one = await start({ finding: 'flagged', policy: autoApprove });
    const oneResult = await one.handle.result();
    const two = await start({ finding: 'blocked', policy: autoApprove });
    const twoResult = await two.handle.result();
    assert.deepEqual([oneResult.status, oneResult.publications[0]?.status], ['approved', 'published']);
    assert.equal(twoResult.status, 'expired');
    const approvedAt = at(of(one.contentId), 'review.auto-approved-at-expiry')! - at(of(one.contentId), 'review.routed')!;
    assert.ok(near(approvedAt, DAY), `auto-approved at +${approvedAt / HOUR} h`);
  });

  it('when a reviewer moves the deadline to 48 h, then it does not expire at 24 h; a decision at 30 h is accepted', async () => {
    const { contentId, handle } = await start({ finding: 'flagged' });
    const pending = await until(handle, (status) => status === 'pending');
    const dueAt = new Date(Date.parse(pending.dueAt!) + DAY).toISOString();
    const reviewer = { userId: 'bob', tenantId: 't1', roles: ['reviewer'] };
    await handle.executeUpdate(extendDeadlineUpdate, { args: [{ actor: reviewer, dueAt, reason: 'holiday' }] });

    await env.sleep(30 * HOUR);
    assert.equal((await handle.query(contentStatusQuery)).status, 'pending', 'not expired at the original 24 h');
    const decided = await handle.executeUpdate(reviewUpdate, { args: [{ reviewer, decision: 'approve' }] });
    assert.equal(decided.status, 'approved');
    const content = of(contentId);
    assert.equal(at(content, 'review.expired'), undefined);
    assert.ok(at(content, 'review.deadline-extended'));
    assert.equal((await handle.result()).status, 'approved');
  });

  it('when approved, then it is published at once and metrics are collected at +1 h, +24 h and +7 d', async () => {
    const { contentId, handle } = await start();
    const result = await handle.result();
    assert.deepEqual([result.status, result.publications[0]?.status], ['approved', 'published']);
    const content = of(contentId);
    const publishedAt = content.published[0]!;
    assert.deepEqual(
      content.metrics.map((m) => m.afterMs),
      [HOUR, DAY, 7 * DAY],
    );
    for (const { afterMs, at: collectedAt } of content.metrics) {
      const actual = collectedAt - publishedAt;
      assert.ok(near(actual, afterMs), `metrics for +${checkpointLabel(afterMs)} collected at +${actual / HOUR} h`);
    }
    assert.ok(at(content, 'content.completed')! - publishedAt >= 7 * DAY);
  });

  it('when the publish time is three days ahead, then it is scheduled and published at that time, not before', async () => {
    const publishAt = new Date((await env.currentTimeMs()) + 3 * DAY).toISOString();
    const { contentId, handle } = await start({ publishAt, policy: { ...policy, monitorAfterMs: [HOUR] } });
    const result = await handle.result();
    assert.equal(result.publications[0]?.status, 'published');
    const content = of(contentId);
    assert.ok(at(content, 'publish.scheduled')! < Date.parse(publishAt), 'scheduled before the time');
    const published = content.published[0]!;
    assert.ok(
      published >= Date.parse(publishAt) && near(published, Date.parse(publishAt)),
      `published at ${new Date(published).toISOString()}, asked for ${publishAt}`,
    );
  });
});
