// The OpenAPI document is the real contract: Schemathesis (PyPI, pinned in scripts/schemathesis.sh)
// generates requests from it — examples, boundary/negative coverage and fuzzing — runs every
// check it has (server errors, status codes, content types, headers, response schemas, SSE event
// schemas, negative and positive data, missing headers, unsupported methods and Allow, ignored
// auth …) against the running API, and must report no failure. Every operation is tested, the
// live (SSE) routes too: their first event is read and checked (tests/api-contract.schemathesis.toml).
// Bounded (SCHEMATHESIS_MAX_EXAMPLES per operation, default 10) to stay within minutes; a
// different SCHEMATHESIS_SEED explores other inputs.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startWorldWithModelStandIn, type StandInWorld } from './support/model-standin-world';
import { tokenFor } from './support/world';

const root = path.resolve(__dirname, '..');

/** The schemathesis command, installed on first use; under CI a failed install fails the test. */
function installSchemathesis(): string | undefined {
  try {
    return execFileSync('bash', [path.join(root, 'scripts/schemathesis.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  } catch (error) {
    if (process.env.CI === 'true') throw error;
    return undefined;
  }
}

describe('contract (Schemathesis against the running API)', () => {
  let running: StandInWorld | undefined;
  let schemathesis: string | undefined;

  before(async () => {
    schemathesis = installSchemathesis();
    if (!schemathesis) return;
    // Limits out of the way: a 429 is documented, but a fuzzer that only sees 429s tests nothing.
    running = await startWorldWithModelStandIn({
      RATE_LIMIT_USER: '1000000',
      RATE_LIMIT_TENANT: '1000000',
      RATE_LIMIT_CLIENT: '1000000',
      CONTENT_REVIEWERS: 'bob',
    });
  });
  after(async () => running?.stop());

  it('reports 0 failures with all checks', async (t) => {
    if (!schemathesis || !running)
      return t.skip('Schemathesis could not be installed (python3 with venv and PyPI needed; under CI this fails)');
    const { world } = running;
    const command = schemathesis;
    // A tenant of its own: what earlier runs created (on task queues no worker polls any more) stays out of sight.
    const token = await tokenFor(world.config, {
      sub: 'fuzzer',
      tenant: `contract-${randomUUID().slice(0, 8)}`,
      roles: ['admin', 'editor', 'reviewer'],
    });
    const args = [
      '--config-file',
      path.join(root, 'tests/api-contract.schemathesis.toml'),
      'run',
      `${world.baseUrl}/openapi.json`,
      '--url',
      world.baseUrl,
      '--header',
      `Authorization: Bearer ${token}`,
      '--checks',
      'all',
      '--phases',
      'examples,coverage,fuzzing',
      '--max-examples',
      process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '10',
      '--suppress-health-check',
      'too_slow',
      '--request-timeout',
      '30',
      // One worker: hypothesis on CPython 3.11 can hit "AST constructor recursion depth mismatch" with two threads.
      '--workers',
      '1',
      '--seed',
      process.env.SCHEMATHESIS_SEED ?? '14',
      '--no-color',
    ];
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk) => (output += String(chunk)));
      child.stderr.on('data', (chunk) => (output += String(chunk)));
      child.on('exit', (exitCode) => resolve({ code: exitCode, output }));
    });
    const summary = output.split('\n').filter((line) => /passed|failed|failure|generated|Selected|Tested|Operations/.test(line));
    t.diagnostic(summary.join(' | '));
    // The failures come first in the output; the summary last.
    const failures = output.indexOf('FAILURES');
    assert.equal(
      code,
      0,
      failures >= 0 ? output.slice(failures, failures + 12_000) + '\n…\n' + output.slice(-2_000) : output.slice(-6_000),
    );
  });
});
