// The reviewer console end to end in headless Chromium (Debian's chromium, driven by
// playwright-core) against the real API, Temporal, PostgreSQL and Elasticsearch. Screenshots of
// each step go to .test-artifacts/console/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startWorldWithModelStandIn, type StandInWorld } from './support/model-standin-world';
import { bearer, eventually, http, tokenFor, type World } from './support/world';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '..', '.test-artifacts', 'console');

describe('reviewer console in Chromium', () => {
  let world: World;
  let running: StandInWorld;
  let browser: Browser;
  let page: Page;
  const tenant = `console-${randomUUID().slice(0, 6)}`;
  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium; scripts/provision.sh installs it)`);
    mkdirSync(ARTIFACTS, { recursive: true });
    running = await startWorldWithModelStandIn({ CONTENT_REVIEWERS: 'bob', CONTENT_MONITOR_AFTER: '1s' }, 0.9);
    world = running.world;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await running?.stop();
  });

  it('signs in, shows the inbox, checks and revision diff, refuses self-review, and records decisions with live status', async () => {
    const alice = await tokenFor(world.config, { sub: 'alice', tenant, roles: ['editor'] });
    const aliceAlsoReviewer = await tokenFor(world.config, { sub: 'alice', tenant, roles: ['editor', 'reviewer'] });
    const bob = await tokenFor(world.config, { sub: 'bob', tenant, roles: ['reviewer'] });
    const api = (method: string, p: string, body: unknown, token: string) => http(world.baseUrl, method, p, body, bearer(token));

    const started = await api(
      'POST',
      '/v1/content',
      { title: 'Guaranteed comfort towels', body: 'Our towels are guaranteed soft. They dry fast.', platforms: ['feed'] },
      alice,
    );
    assert.equal(started.status, 202);
    const id = started.json.contentId as string;
    await eventually(
      async () => ((await api('GET', `/v1/content/${id}`, undefined, alice)).json.status === 'pending' ? true : undefined),
      30_000,
      'pending',
    );
    const revised = await api(
      'POST',
      `/v1/content/${id}/revisions`,
      { title: 'Guaranteed comfort towels', body: 'Our towels are guaranteed soft. They dry quickly in the sun.' },
      alice,
    );
    assert.equal(revised.status, 202);
    await eventually(
      async () => {
        const inbox = await api('GET', '/v1/content?status=pending', undefined, bob);
        return (inbox.json.items as { contentId: string }[]).some((item) => item.contentId === id) ? true : undefined;
      },
      15_000,
      'in the inbox',
    );

    const signIn = async (token: string) => {
      await page.goto(`${world.baseUrl}/console/`);
      await page.getByLabel('Token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Pending reviews' }).waitFor();
    };
    const signOut = () => page.getByRole('button', { name: 'Sign out' }).click();

    // The author, even holding the reviewer role, cannot approve her own text.
    await page.goto(`${world.baseUrl}/console/`);
    await shot('01-sign-in');
    await signIn(aliceAlsoReviewer);
    await page.getByRole('link', { name: 'Guaranteed comfort towels' }).click();
    await page.getByRole('button', { name: 'Send decision' }).click();
    await page.getByText('Refused: authors cannot review their own content').waitFor();
    await shot('02-self-review-refused');
    await signOut();

    // The reviewer: inbox with risk and due time.
    await signIn(bob);
    const row = page.getByRole('row', { name: /Guaranteed comfort towels/ });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /0\.\d\d/);
    assert.match((await row.textContent()) ?? '', /bob/);
    await shot('03-inbox');

    // The content: checks, risk reasons, and the diff between revision 1 and 2.
    await page.getByRole('link', { name: 'Guaranteed comfort towels' }).click();
    await page.getByText('Sensitive words: guaranteed (flag)').waitFor();
    assert.equal(await page.locator('#diff ins').first().textContent(), 'quickly in the sun');
    assert.ok((await page.locator('#diff del').allTextContents()).some((text) => text.includes('fast')));
    await shot('04-content-checks-diff');

    // Request changes; the author revises (API); the status follows live; then approve.
    await page.getByLabel('Request changes').check();
    await page.getByLabel('Comment').fill('Please drop the absolute claim.');
    await page.getByRole('button', { name: 'Send decision' }).click();
    await page.getByText('Recorded: content is changes-requested').waitFor();
    await page.locator('#content-status', { hasText: 'changes-requested' }).waitFor();
    await shot('05-changes-requested');
    const third = await api(
      'POST',
      `/v1/content/${id}/revisions`,
      { title: 'Guaranteed comfort towels', body: 'Our towels are soft, guaranteed by our tests. They dry quickly.' },
      alice,
    );
    assert.equal(third.status, 202);
    assert.equal(third.json.status, 'checking', 'answered before the checks ran');
    await page.locator('#content-status', { hasText: 'pending' }).waitFor({ timeout: 15_000 });
    await page.getByLabel('Approve').check();
    await page.getByLabel('Comment').fill('');
    await page.getByRole('button', { name: 'Send decision' }).click();
    await page.getByText('Recorded: content is approved').waitFor();
    await page.locator('#content-stage', { hasText: 'completed' }).waitFor({ timeout: 30_000 });
    await shot('06-approved-live');

    const final = await api('GET', `/v1/content/${id}`, undefined, bob);
    assert.equal(final.json.status, 'approved');
    assert.deepEqual(
      (final.json.decisions as { reviewer: string; decision: string }[]).map((d) => [d.reviewer, d.decision]),
      [
        ['bob', 'request-changes'],
        ['bob', 'approve'],
      ],
    );
    const csp = (await fetch(`${world.baseUrl}/console/`)).headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
  });
});
