// Publishing from the content workflow to every platform: exactly one post per (content,
// platform) even when the worker dies after the platform accepted the post; failing platforms
// retried, then reported, without holding back the others; AI disclosure to every platform;
// signed review notifications. Platforms are loopback stand-ins (named as such),
// the chat model the loopback OpenAI stand-in; Temporal, PostgreSQL and Elasticsearch are real.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Principal } from '../src/auth/principal';
import { auditTrail, draftContent, listMetrics, listPublications, submitContent } from '../src/content/service';
import { slugFor } from '../src/publishing/wordpress';
import { publicationKey } from '../src/activities/content-publish';
import { startOpenAiStandIn } from './support/openai-standin';
import { startWebhookReceiver, startWordPressStandIn } from './support/platform-standins';
import { eventually, startWorld, type World } from './support/world';
import { spawnWorkerProcess } from './support/worker-process';

const SECRET = 'publishing-secret-0123456789';
const STYLE_OK = { content: JSON.stringify({ score: 0.95, issues: [] }) };
const tenant = `pub-${randomUUID().slice(0, 8)}`;
const alice: Principal = { userId: 'alice', tenantId: tenant, roles: ['editor'] };
const text = (topic: string) => `${topic} ${randomUUID()}: a short, calm note about our linen towels and how they are woven.`;

async function platforms() {
  const receiver = await startWebhookReceiver(SECRET);
  const wordpress = await startWordPressStandIn();
  const llm = await startOpenAiStandIn();
  llm.script([], STYLE_OK);
  const env = {
    OPENAI_BASE_URL: llm.baseUrl,
    PUBLISH_WEBHOOK_URL: receiver.url,
    PUBLISH_WEBHOOK_SECRET: SECRET,
    WORDPRESS_URL: wordpress.url,
    WORDPRESS_USER: wordpress.user,
    WORDPRESS_APP_PASSWORD: wordpress.appPassword,
    NOTIFY_WEBHOOK_URL: receiver.notifyUrl,
    NOTIFY_WEBHOOK_SECRET: SECRET,
    CONTENT_MONITOR_AFTER: '1s',
    CONTENT_REVIEWERS: 'bob',
  };
  return {
    receiver,
    wordpress,
    llm,
    env,
    async close() {
      await Promise.all([receiver.close(), wordpress.close(), llm.close()]);
    },
  };
}

describe('publishing from the content workflow', () => {
  let p: Awaited<ReturnType<typeof platforms>>;
  before(async () => {
    p = await platforms();
  });
  after(async () => p?.close());

  it('a worker killed after the platforms accepted the post, before the activity completed, still yields exactly one post per platform', async () => {
    // The worker runs in a child process that can be killed for real; the test process only starts the workflow.
    const world: World = await startWorld(p.env, { workers: false });
    const startWorker = (): ChildProcess =>
      spawnWorkerProcess(world, { ...p.env, BLOB_DIR: world.config.BLOB_DIR }, { logLevel: 'error' }).child;
    let worker = startWorker();
    try {
      p.receiver.holdResponses();
      p.wordpress.holdResponses();
      const accepted = Promise.all([p.receiver.nextAccepted(), p.wordpress.nextAccepted()]);
      const { contentId, workflowId } = await submitContent(world.infra, alice, {
        title: 'Towels, once',
        body: text('Exactly once'),
        platforms: ['webhook', 'wordpress', 'feed'],
      });
      await accepted; // both platforms stored the post; their answers are held
      worker.kill('SIGKILL');
      await new Promise((resolve) => worker.once('exit', resolve));
      p.receiver.release();
      p.wordpress.release();
      const { rows: atKill } = await world.infra.pg.query(
        `SELECT platform, status FROM content_publications WHERE tenant_id = $1 AND content_id = $2 AND platform <> 'feed' ORDER BY platform`,
        [tenant, contentId],
      );
      assert.deepEqual(
        atKill.map((r) => [r.platform, r.status]),
        [
          ['webhook', 'sending'],
          ['wordpress', 'sending'],
        ],
        'recorded before, never after',
      );

      worker = startWorker();
      const result = await world.infra.temporal.workflow.getHandle(workflowId).result();
      assert.equal(result.status, 'approved');
      assert.equal(
        p.receiver.posts.filter((post) => post.key === publicationKey(tenant, contentId, 'webhook')).length,
        1,
        'one webhook post',
      );
      assert.equal(
        p.wordpress.posts.filter((post) => post.slug.startsWith(slugFor(publicationKey(tenant, contentId, 'wordpress')))).length,
        1,
        'one WordPress post',
      );
      const { rows: feed } = await world.infra.pg.query(
        'SELECT count(*)::int AS n FROM feed_entries WHERE tenant_id = $1 AND content_id = $2',
        [tenant, contentId],
      );
      assert.equal(feed[0].n, 1, 'one feed entry');
      const publications = await listPublications(world.infra, alice, contentId);
      assert.deepEqual(
        publications.map((row) => [row.platform, row.status]),
        [
          ['feed', 'published'],
          ['webhook', 'published'],
          ['wordpress', 'published'],
        ],
      );
      for (const row of publications.filter((r) => r.platform !== 'feed'))
        assert.ok(row.attempts >= 2, `${row.platform} was retried after the kill (${row.attempts})`);
    } finally {
      p.receiver.release();
      p.wordpress.release();
      worker.kill('SIGKILL');
      await world.stop();
    }
  });

  describe('with in-process workers', () => {
    let world: World;
    before(async () => {
      world = await startWorld(p.env);
    });
    after(async () => world?.stop());

    it('retries a platform through 503s, reports one that rejects, and publishes the others', async () => {
      p.receiver.failNext(503, 2);
      p.wordpress.failNext(422);
      const { contentId, workflowId } = await submitContent(world.infra, alice, {
        title: 'Partly published',
        body: text('Partial'),
        platforms: ['webhook', 'wordpress', 'feed'],
      });
      const result = await world.infra.temporal.workflow.getHandle(workflowId).result();
      assert.deepEqual(
        result.publications.map((pub: { platform: string; status: string }) => [pub.platform, pub.status]),
        [
          ['webhook', 'published'],
          ['wordpress', 'failed'],
          ['feed', 'published'],
        ],
      );
      const publications = await listPublications(world.infra, alice, contentId);
      const byPlatform = Object.fromEntries(publications.map((row) => [row.platform, row]));
      assert.equal(byPlatform.webhook!.attempts, 3, 'two 503s, then accepted');
      assert.equal(byPlatform.wordpress!.error?.type, 'PlatformRejected');
      assert.equal(byPlatform.wordpress!.attempts, 1, 'a rejection is not retried');
      const audit = await auditTrail(world.infra, alice, contentId);
      assert.ok(audit.some((event) => event.action === 'publish.failed' && event.detail.platform === 'wordpress'));
      const metrics = await listMetrics(world.infra, alice, contentId);
      assert.deepEqual(metrics.map((m) => m.platform).sort(), ['feed', 'webhook'], 'metrics only for published posts');
      assert.ok(metrics.find((m) => m.platform === 'webhook')!.views > 0);
      assert.ok(p.receiver.notifications.some((n) => n.body.kind === 'publish-failed' && n.body.contentId === contentId));
    });

    it('labels LLM-drafted content as AI-generated on every platform', async () => {
      p.llm.script(
        [
          {
            content: JSON.stringify({
              title: 'Linen towels are here',
              body: `Soft, quick-drying linen towels ${randomUUID()}, woven in Portugal.`,
              summary: 'New towels.',
            }),
          },
        ],
        STYLE_OK,
      );
      const { contentId, workflowId } = await draftContent(world.infra, alice, {
        brief: 'Announce linen towels',
        platforms: ['webhook', 'wordpress', 'feed'],
        publishAt: new Date().toISOString(), // now, not the strategy learner's proposed posting time
      });
      const result = await world.infra.temporal.workflow.getHandle(workflowId).result();
      assert.equal(result.status, 'approved');
      const webhookPost = p.receiver.posts.find((post) => post.key === publicationKey(tenant, contentId, 'webhook'))!;
      assert.equal(webhookPost.body.aiDisclosure.generated, true);
      assert.equal(webhookPost.body.aiDisclosure.promptVersion, 'draft@1');
      const wpPost = p.wordpress.posts.find((post) => post.slug === slugFor(publicationKey(tenant, contentId, 'wordpress')))!;
      assert.match(wpPost.content, /drafted with AI assistance/);
      const { rows } = await world.infra.pg.query('SELECT ai_notice FROM feed_entries WHERE tenant_id = $1 AND content_id = $2', [
        tenant,
        contentId,
      ]);
      assert.match(rows[0].ai_notice, /drafted with AI assistance/);
    });
  });
});

// When the SLA notifications fall due (4 h, 8 h, 24 h) is workflow timer logic, tested on the
// time-skipping server (content-timers.test.ts). Here: the notification really leaves the worker,
// signed, to the configured webhook, with the recipients the workflow chose.
describe('review notifications', () => {
  let p: Awaited<ReturnType<typeof platforms>>;
  let world: World;
  before(async () => {
    p = await platforms();
    world = await startWorld({ ...p.env, CONTENT_ESCALATE_TO: 'lead' });
  });
  after(async () => {
    await world?.stop();
    await p?.close();
  });

  it('delivers the assignment to the reviewer as a signed webhook', async () => {
    const { contentId, workflowId } = await submitContent(world.infra, alice, {
      title: 'Guaranteed quiet',
      body: `${text('Guaranteed quiet')} Guaranteed.`,
      platforms: ['feed'],
    });
    const assigned = await eventually(
      () => Promise.resolve(p.receiver.notifications.find((n) => n.body.contentId === contentId && n.body.kind === 'review-assigned')),
      30_000,
      'the review-assigned notification',
    );
    assert.deepEqual(assigned.body.recipients, ['bob']);
    assert.equal(p.receiver.rejected, 0, 'every notification carried a valid signature');
    await world.infra.temporal.workflow.getHandle(workflowId).terminate('test done');
  });
});
