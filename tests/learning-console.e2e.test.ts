// The console's Experiments view in headless Chromium against the real API, Temporal (the running
// experiment's status query) and PostgreSQL: an admin sees the running experiment with its arms,
// exposures, mean reward, share and guardrail state — the figures the API serves; a non-admin is
// not offered the view. The chat model is the loopback OpenAI STAND-IN (answers per prompt version).
// Screenshot in .test-artifacts/console/experiments.png.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { taskQueues } from '../src/temporal/task-queues';
import { llmTaskWorkflow } from '../src/workflows/llm-task';
import { startWorldWithModelStandIn, type StandInWorld } from './support/model-standin-world';
import { bearer, eventually, http, tokenFor } from './support/world';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '..', '.test-artifacts', 'console');

describe('console experiments view in Chromium', () => {
  let running: StandInWorld;
  let browser: Browser;
  const tenant = `exp-ui-${randomUUID().slice(0, 6)}`;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium; scripts/provision.sh installs it)`);
    mkdirSync(ARTIFACTS, { recursive: true });
    running = await startWorldWithModelStandIn();
    running.llm.script([], { content: JSON.stringify({ label: 'positive', score: 0.8, aspects: ['battery'] }) });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  });
  after(async () => {
    await browser?.close();
    await running?.stop();
  });

  it('shows a running experiment’s arms with the figures of its status query, to admins only', async () => {
    const { world } = running;
    const adminToken = await tokenFor(world.config, { sub: 'ada', tenant, roles: ['admin'] });
    const call = (method: string, route: string, body?: unknown) => http(world.baseUrl, method, route, body, bearer(adminToken));
    const created = await call('POST', '/v1/learning/prompts/sentiment/versions', {
      instructions: 'Classify the sentiment of product text: label, score from -1 to 1, aspects.',
      temperature: 0.1,
      maxTokens: 200,
      reason: 'ui test',
    });
    assert.equal(created.status, 201, created.text);
    const candidate = created.json.version as string;
    const started = await call('POST', '/v1/learning/experiments', {
      task: 'sentiment',
      candidates: [candidate],
      settings: { pollIntervalMs: 300, minShare: 0.3 },
      reason: 'ui test',
    });
    assert.equal(started.status, 202, started.text);
    const { experimentId } = started.json;
    for (let i = 0; i < 8; i++) {
      await world.infra.temporal.workflow.execute(llmTaskWorkflow, {
        workflowId: `exp-ui-${experimentId}-${i}`,
        taskQueue: taskQueues(world.config).default,
        args: [{ tenantId: tenant, task: 'sentiment', input: { text: 'Great battery.' }, priority: 'batch' }],
      });
    }
    const live = await eventually(
      async () => {
        const status = await call('GET', `/v1/learning/experiments/${experimentId}`);
        const view = status.json.live;
        return view && view.arms.reduce((sum: number, arm: any) => sum + arm.settled, 0) === 8 ? view : undefined;
      },
      30_000,
      'every outcome in the experiment',
      1_000,
    );

    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    await page.goto(`${world.baseUrl}/console/`);
    await page.getByLabel('Token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Experiments (admin)' }).click();
    const table = page.getByRole('table', { name: 'Experiments' });
    const rowsOf = async () => {
      const rows = table.getByRole('row', { name: new RegExp(experimentId) });
      return Promise.all((await rows.all()).map(async (row) => (await row.getByRole('cell').allTextContents()).map((text) => text.trim())));
    };
    await table
      .getByRole('row', { name: new RegExp(experimentId) })
      .first()
      .waitFor();
    const shown = await rowsOf();
    // The figures the API serves (stable now: every call has settled, no new traffic) — except the
    // share, which Thompson sampling redraws every poll: it must respect the minimum share and add up.
    const expected = live.arms.map((arm: any) => [
      experimentId,
      'sentiment',
      'running',
      `${arm.version}${arm.production ? ' (production)' : ''}`,
      String(arm.exposures),
      arm.posteriorMean.toFixed(3),
      arm.production ? 'baseline' : 'collecting',
    ]);
    assert.deepEqual(
      shown.map((row) => [...row.slice(0, 6), row[7]]),
      expected,
    );
    const shares = shown.map((row) => Number(/^(\d+)%$/.exec(row[6]!)?.[1]));
    assert.ok(
      shares.every((share) => share >= 30) && Math.abs(shares.reduce((a, b) => a + b, 0) - 100) <= 1,
      `shares ${shares.join(', ')}`,
    );
    assert.equal(
      shown.reduce((sum, row) => sum + Number(row[4]), 0),
      8,
      'exposures add up to the calls made',
    );
    assert.ok(shown.some((row) => row[3] === candidate));
    await page.screenshot({ path: path.join(ARTIFACTS, 'experiments.png'), fullPage: true });
    await page.close();

    // An editor signs in to the same console and is not offered the view (the API refuses it too).
    const editorToken = await tokenFor(world.config, { sub: 'eddie', tenant, roles: ['editor'] });
    const editorPage = await browser.newPage();
    await editorPage.goto(`${world.baseUrl}/console/`);
    await editorPage.getByLabel('Token').fill(editorToken);
    await editorPage.getByRole('button', { name: 'Sign in' }).click();
    await editorPage.locator('#inbox').waitFor();
    assert.equal(await editorPage.getByRole('button', { name: 'Experiments (admin)' }).isVisible(), false);
    assert.equal((await http(world.baseUrl, 'GET', '/v1/learning/experiments', undefined, bearer(editorToken))).status, 403);
    await editorPage.close();
  });
});
