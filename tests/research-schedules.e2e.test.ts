// Recurring research runs as Temporal Schedules on the real server, through the API: a
// triggered schedule starts a run that completes; pause / unpause show in its description;
// another tenant can neither see nor steer it; delete removes it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { temporalScheduleId } from '../src/research/model';
import { startSampleShop, type SampleShop } from '../fixtures/sample-shop';
import { actAsByDefault, bearer, eventually, http, startWorld, tokenFor, type World } from './support/world';

describe('research schedules', () => {
  let shop: SampleShop;
  let world: World;
  const tenantId = `sch-${randomUUID().slice(0, 8)}`;
  const scheduleId = `nightly-${randomUUID().slice(0, 6)}`;
  actAsByDefault({ sub: 'planner', tenant: tenantId, roles: ['editor'] });

  before(async () => {
    shop = await startSampleShop();
    world = await startWorld({
      FETCH_ALLOW_HOSTS: new URL(shop.baseUrl).host,
      FETCH_TIMEOUT_MS: '1500',
      RESEARCH_HOST_GAP_MS: '10',
      BLOB_DIR: mkdtempSync(path.join(tmpdir(), 'magicai-sched-')),
    });
  });
  after(async () => {
    await world?.infra.temporal.schedule
      .getHandle(temporalScheduleId(tenantId, scheduleId))
      .delete()
      .catch(() => undefined);
    await world?.stop();
    await shop?.close();
  });

  it('then a schedule is created (overlap SKIP by default), fires when triggered, pauses, unpauses and is deleted', async () => {
    const created = await http(world.baseUrl, 'POST', '/v1/research-schedules', {
      scheduleId,
      everyMinutes: 24 * 60,
      request: {
        startUrls: [new URL('/products/trail-runner-gtx.html', shop.baseUrl).href],
        scope: { maxDepth: 0, maxPages: 1 },
        report: false,
      },
    });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual([created.json.paused, created.json.overlap, created.json.everyMinutes], [false, 'SKIP', 1440]);
    assert.ok(created.json.nextRuns.length >= 1);
    assert.equal(
      (
        await http(world.baseUrl, 'POST', '/v1/research-schedules', {
          scheduleId,
          everyMinutes: 60,
          request: { startUrls: [shop.baseUrl] },
        })
      ).status,
      409,
    );

    assert.equal((await http(world.baseUrl, 'POST', `/v1/research-schedules/${scheduleId}/trigger`)).status, 202);
    const run = await eventually(
      async () => {
        const runs = (await http(world.baseUrl, 'GET', '/v1/research-runs')).json.items as {
          runId: string;
          scheduleId?: string;
          status: string;
        }[];
        return runs.find((item) => item.scheduleId === scheduleId && item.status === 'completed');
      },
      60_000,
      'the scheduled run to complete',
    );
    const view = (await http(world.baseUrl, 'GET', `/v1/research-runs/${run.runId}`)).json;
    assert.ok(view.workflowId.startsWith(`research/${tenantId}/${scheduleId}-`), view.workflowId);
    const { rows } = await world.infra.pg.query('SELECT name FROM research_products WHERE run_id = $1', [run.runId]);
    assert.deepEqual(
      rows.map((row) => row.name),
      ['Trail Runner GTX'],
    );
    const described = await eventually(
      async () => {
        const got = (await http(world.baseUrl, 'GET', `/v1/research-schedules/${scheduleId}`)).json;
        return got.recentRuns?.length ? got : undefined;
      },
      15_000,
      'the schedule to list its run',
    );
    assert.equal(described.recentRuns[0].workflowId, view.workflowId);

    const other = bearer(await tokenFor(world.config, { sub: 'x', tenant: `other-${tenantId}`, roles: ['editor'] }));
    assert.equal((await http(world.baseUrl, 'GET', `/v1/research-schedules/${scheduleId}`, undefined, other)).status, 404);
    assert.equal((await http(world.baseUrl, 'POST', `/v1/research-schedules/${scheduleId}/pause`, undefined, other)).status, 404);

    assert.equal((await http(world.baseUrl, 'POST', `/v1/research-schedules/${scheduleId}/pause`)).status, 202);
    assert.equal((await http(world.baseUrl, 'GET', `/v1/research-schedules/${scheduleId}`)).json.paused, true);
    assert.equal((await http(world.baseUrl, 'POST', `/v1/research-schedules/${scheduleId}/unpause`)).status, 202);
    assert.equal((await http(world.baseUrl, 'GET', `/v1/research-schedules/${scheduleId}`)).json.paused, false);
    assert.equal((await http(world.baseUrl, 'POST', `/v1/research-schedules/${scheduleId}/explode`)).status, 404);

    assert.equal((await http(world.baseUrl, 'DELETE', `/v1/research-schedules/${scheduleId}`, undefined, other)).status, 404);
    assert.equal((await http(world.baseUrl, 'DELETE', `/v1/research-schedules/${scheduleId}`)).status, 204);
    assert.equal((await http(world.baseUrl, 'GET', `/v1/research-schedules/${scheduleId}`)).status, 404);
    await assert.rejects(world.infra.temporal.schedule.getHandle(temporalScheduleId(tenantId, scheduleId)).describe(), /not found/i);
  });

  it('then a bad schedule is a 400', async () => {
    const both = await http(world.baseUrl, 'POST', '/v1/research-schedules', {
      scheduleId: 'x',
      everyMinutes: 60,
      cron: ['0 3 * * *'],
      request: { startUrls: [shop.baseUrl] },
    });
    assert.equal(both.status, 400);
    const tooOften = await http(world.baseUrl, 'POST', '/v1/research-schedules', {
      scheduleId: 'y',
      everyMinutes: 1,
      request: { startUrls: [shop.baseUrl] },
    });
    assert.equal(tooOften.status, 400);
  });
});
