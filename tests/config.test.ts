// Configuration: defaults, validation naming the variable, and a process that refuses to boot.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('when nothing is set, then the local stack defaults apply', () => {
    const config = loadConfig({});
    assert.equal(config.TEMPORAL_ADDRESS, '127.0.0.1:7233');
    assert.equal(config.DATABASE_URL, 'postgres://magicai:magicai@127.0.0.1:5432/magicai');
    assert.equal(config.API_HOST, '127.0.0.1');
    assert.deepEqual(config.WORKER_TASK_QUEUES, ['default', 'high', 'crawl', 'llm']);
  });

  it('when values are given, then they are coerced and parsed', () => {
    const config = loadConfig({ API_PORT: '9090', WORKER_TASK_QUEUES: 'crawl, llm', PG_POOL_MAX: '3' });
    assert.equal(config.API_PORT, 9090);
    assert.deepEqual(config.WORKER_TASK_QUEUES, ['crawl', 'llm']);
    assert.equal(config.PG_POOL_MAX, 3);
  });

  it('when values are bad, then the error names every bad variable and its value', () => {
    assert.throws(
      () => loadConfig({ API_PORT: 'eighty', DATABASE_URL: 'mysql://x', WORKER_TASK_QUEUES: 'gpu', TEMPORAL_ADDRESS: 'nope' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const variables = error.issues.map((issue) => issue.variable).sort();
        assert.deepEqual(variables, ['API_PORT', 'DATABASE_URL', 'TEMPORAL_ADDRESS', 'WORKER_TASK_QUEUES']);
        assert.match(error.message, /API_PORT: .*\(got "eighty"\)/);
        return true;
      },
    );
  });

  it('when a process boots with a bad value, then it exits 78 naming the variable before connecting anywhere', () => {
    const root = path.resolve(__dirname, '..');
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/api/main.ts'], {
      cwd: root,
      env: { ...process.env, API_PORT: '70000' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 78, result.stderr);
    assert.match(result.stderr, /Invalid configuration:\n\s+API_PORT: .*70000/);
  });
});
