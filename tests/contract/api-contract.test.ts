// The OpenAPI document is the real contract: Schemathesis (PyPI) generates requests from it —
// examples, boundary/negative coverage and fuzzing — runs every check it has (server errors,
// status codes, content types, headers, response schemas, negative and positive data, missing
// headers, unsupported methods and Allow, ignored auth …) against the running API, and must
// report no failure. Not yet part of `npm test`: `npm run contract` runs it (the routes added
// last still fail some checks; see README "Contract"). Bounded (SCHEMATHESIS_MAX_EXAMPLES per operation) to stay within minutes.
// The SSE routes are left out: a stream lasts as long as its workflow (their event shapes are
// in the document and tested in api.test.ts).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startWorldWithModelStandIn, type StandInWorld } from '../support/model-standin-world';
import { tokenFor } from '../support/world';

const root = path.resolve(__dirname, '..', '..');

describe('contract (Schemathesis against the running API)', () => {
  let running: StandInWorld;
  let schemathesis: string;

  before(async () => {
    schemathesis = execFileSync('bash', [path.join(root, 'scripts/schemathesis.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    // Limits out of the way: a 429 is documented, but a fuzzer that only sees 429s tests nothing.
    running = await startWorldWithModelStandIn({ RATE_LIMIT_USER: '1000000', RATE_LIMIT_TENANT: '1000000', RATE_LIMIT_CLIENT: '1000000', CONTENT_REVIEWERS: 'bob' });
  });
  after(async () => running?.stop());

  it('reports 0 failures with all checks', async (t) => {
    const { world } = running;
    const token = await tokenFor(world.config, { sub: 'fuzzer', tenant: 'contract', roles: ['admin', 'editor', 'reviewer'] });
    const args = [
      '--config-file', path.join(root, 'tests/contract/schemathesis.toml'),
      'run', `${world.baseUrl}/openapi.json`, '--url', world.baseUrl,
      '--header', `Authorization: Bearer ${token}`,
      '--checks', 'all',
      '--phases', 'examples,coverage,fuzzing',
      '--exclude-path-regex', '/events$',
      '--max-examples', process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '10',
      '--suppress-health-check', 'too_slow',
      '--request-timeout', '30',
      '--workers', '2',
      '--seed', process.env.SCHEMATHESIS_SEED ?? '14',
      '--no-color',
    ];
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(schemathesis, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk) => (output += String(chunk)));
      child.stderr.on('data', (chunk) => (output += String(chunk)));
      child.on('exit', (exitCode) => resolve({ code: exitCode, output }));
    });
    const summary = output.split('\n').filter((line) => /passed|failed|failure|generated|Selected|Tested/.test(line));
    t.diagnostic(summary.join(' | '));
    assert.equal(code, 0, output.slice(-6_000));
  });
});
