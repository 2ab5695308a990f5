// The console's performance view in headless Chromium against the real API and PostgreSQL: the
// figures shown are the report's. Screenshot in .test-artifacts/console/performance.png.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { submitContent } from '../src/content/service';
import { bearer, http, startWorld, tokenFor, type World } from './support/world';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '..', '.test-artifacts', 'console');

describe('console performance view in Chromium', () => {
  let world: World;
  let browser: Browser;
  const tenant = `perf-${randomUUID().slice(0, 6)}`;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`);
    mkdirSync(ARTIFACTS, { recursive: true });
    // No workers: the report reads PostgreSQL only; submitted content simply stays open.
    world = await startWorld({}, { workers: false });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  });
  after(async () => {
    await browser?.close();
    await world?.stop();
  });

  it('shows the report per brand, channel and strategy with the success rate against the target', async () => {
    const alice = { userId: 'alice', tenantId: tenant, roles: ['editor' as const] };
    const strategy = { tone: 'bold', length: 'short', structure: 'list', hourOfWeek: 42 };
    for (let i = 0; i < 2; i++)
      await submitContent(world.infra, alice, {
        title: `T${i}`,
        body: `Body ${i}`,
        platforms: ['feed', 'webhook'],
        brand: 'north',
        strategy,
      });
    const token = await tokenFor(world.config, { sub: 'alice', tenant, roles: ['editor'] });
    const today = new Date();
    const from = new Date(today.getTime() - 29 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(today.getTime() + 86_400_000).toISOString().slice(0, 10);
    const api = await http(world.baseUrl, 'GET', `/v1/strategy/report?from=${from}T00:00:00Z&to=${to}T00:00:00Z`, undefined, bearer(token));
    assert.equal(api.status, 200, api.text);

    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    await page.goto(`${world.baseUrl}/console/`);
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Performance' }).click();
    const table = page.getByRole('table', { name: 'Performance per brand, channel and strategy' });
    await table.getByRole('row', { name: /All/ }).waitFor();
    const cells = async (rowName: RegExp) =>
      (await table.getByRole('row', { name: rowName }).first().getByRole('cell').allTextContents()).map((t) => t.trim());
    const feedRow = await cells(/north feed/);
    assert.deepEqual(feedRow.slice(0, 4), ['north', 'feed', 'bold/short/list/h42', '2']);
    const total = await cells(/All/);
    assert.equal(total[3], String(api.json.total.submitted));
    assert.equal(total[9], String(api.json.total.open), 'open content (nothing settled yet)');
    assert.match((await page.getByRole('status').filter({ hasText: 'target' }).textContent()) ?? '', /98\.0 % target/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'performance.png'), fullPage: true });
    await page.close();
  });
});
