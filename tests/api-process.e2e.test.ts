// The API as a process, stopped the way Kubernetes stops a pod (SIGTERM): it stops taking new
// connections, lets a request already in flight finish and answer, and exits 0. A request whose
// body is still arriving when the signal comes is the in-flight one: nothing accepted is lost.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, startWorld, tokenFor, type World } from './support/world';
import { freePort } from './support/ports';

describe('the API process on SIGTERM', () => {
  let world: World;
  let api: ChildProcess;
  let output = '';
  let baseUrl: string;
  let exited: Promise<number | null>;
  const tenantId = `drain-${randomUUID().slice(0, 8)}`;

  before(async () => {
    world = await startWorld({}, { workers: false });
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    api = spawn(process.execPath, ['--import', 'tsx', 'src/api/main.ts'], {
      cwd: path.resolve(__dirname, '..'),
      env: {
        ...process.env,
        NODE_ENV: 'test',
        API_HOST: '127.0.0.1',
        API_PORT: String(port),
        API_SHUTDOWN_GRACE_MS: '20000',
        TEMPORAL_TASK_QUEUE_PREFIX: world.config.TEMPORAL_TASK_QUEUE_PREFIX,
        ELASTICSEARCH_INDEX_PREFIX: world.config.ELASTICSEARCH_INDEX_PREFIX,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    api.stdout!.on('data', (chunk) => (output += String(chunk)));
    api.stderr!.on('data', (chunk) => (output += String(chunk)));
    exited = new Promise((resolve) => api.once('exit', (code) => resolve(code)));
    await eventually(
      async () => ((await fetch(`${baseUrl}/healthz`).catch(() => undefined))?.ok ? true : undefined),
      60_000,
      'the API process to listen',
    );
  });

  after(async () => {
    api?.kill('SIGKILL');
    await world?.stop();
  });

  it('finishes the request in flight, refuses new connections, and exits 0', async () => {
    const token = await tokenFor(world.config, { sub: 'drainer', tenant: tenantId, roles: ['editor'] });
    const listId = `drain-${randomUUID().slice(0, 8)}`;
    const body = JSON.stringify({ listId, tenantId, items: [{ url: 'https://shop.example/p/1' }], options: { dryRun: true } });
    const { port } = new URL(baseUrl);

    // Headers and half the body now; the rest after the signal.
    const inFlight = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/v1/product-lists',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      inFlight.on('response', (res) => {
        let text = '';
        res.on('data', (chunk) => (text += String(chunk)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      inFlight.on('error', reject);
    });
    inFlight.write(body.slice(0, 20));
    await new Promise((resolve) => setTimeout(resolve, 200)); // the server has the connection and the request line

    api.kill('SIGTERM');
    await eventually(() => Promise.resolve(output.includes('api draining') ? true : undefined), 10_000, 'the API to start draining');
    await assert.rejects(fetch(`${baseUrl}/healthz`), 'a new connection is refused while draining');

    inFlight.end(body.slice(20));
    const { status, text } = await answer;
    assert.equal(status, 202, text);
    const { rows } = await world.infra.pg.query('SELECT count(*)::int AS n FROM product_lists WHERE tenant_id = $1', [tenantId]);
    assert.equal(rows[0].n, 1, 'the accepted list is stored');

    assert.equal(await exited, 0, output);
    assert.match(output, /api stopped/);
  });
});
