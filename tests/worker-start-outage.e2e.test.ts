// A worker process started while PostgreSQL is down (respawned during an outage) starts and
// polls instead of exiting, and applies the schema once PostgreSQL answers. PostgreSQL is "down"
// here behind a loopback TCP proxy that is not listening yet; then the proxy opens and forwards
// to the real server.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from './support/ports';
import { eventually, testConfig } from './support/world';

describe('a worker started while PostgreSQL is down', () => {
  const sockets = new Set<Socket>();
  let proxy: Server | undefined;
  let child: ReturnType<typeof spawn> | undefined;
  after(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child!.once('exit', resolve));
    }
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
  });

  it('starts polling, then applies the schema when PostgreSQL comes back', async () => {
    const config = testConfig();
    const real = new URL(config.DATABASE_URL);
    const port = await freePort();
    const viaProxy = new URL(config.DATABASE_URL);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(port);

    child = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
      cwd: path.resolve(__dirname, '..'),
      env: {
        ...process.env,
        DATABASE_URL: viaProxy.href,
        WORKER_METRICS_PORT: '0',
        TEMPORAL_SDK_METRICS_PORT: '0',
        TEMPORAL_TASK_QUEUE_PREFIX: config.TEMPORAL_TASK_QUEUE_PREFIX,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const alive = () => {
      if (child!.exitCode !== null) throw new Error(`the worker exited (${child!.exitCode}): ${output.slice(-2000)}`);
    };
    const logged = (text: string, what: string) =>
      eventually(
        () => {
          alive();
          return Promise.resolve(output.includes(text) ? true : undefined);
        },
        90_000,
        what,
      );

    await logged('"dependency":"PostgreSQL"', 'the warning that PostgreSQL is unreachable');
    await logged('worker started', 'the worker to start polling');
    alive();

    proxy = createServer((client) => {
      const upstream = createConnection(Number(real.port || 5432), real.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => proxy!.listen(port, '127.0.0.1', resolve));
    await logged('schema applied after the store came back', 'the schema applied once PostgreSQL answers');
    alive();
    assert.ok(output.indexOf('worker started') < output.indexOf('schema applied after the store came back'));
  });
});
