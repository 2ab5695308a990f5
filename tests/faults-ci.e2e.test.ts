// The fault-injection suite's small variant (`npm run faults -- --ci`) as part of the tests: it
// brings up its own PRIVATE stack (scripts/faults.sh; ports 27233/25432/29200/27687/28090…, data
// in .faults-stack/), runs 100 list items and 10 content items through the real API and worker
// processes while killing workers, restarting Temporal and stopping each store and the model
// server, and checks the counts. Its whole output goes to .test-artifacts/faults-ci.log.
// It takes 10–20 minutes. Outside CI it is skipped when the stack's binaries are not provisioned
// (MAGICAI_STACK_HOME); under CI=true it runs, and fails when anything it needs is missing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const repo = path.resolve(__dirname, '..');
const stackHome = process.env.MAGICAI_STACK_HOME ?? path.join(repo, '.stack');
const missing = existsSync(path.join(stackHome, 'bin')) ? undefined : `no provisioned stack in ${stackHome}`;
const skip = missing && process.env.CI !== 'true' ? missing : false;
const LOG = path.join(repo, '.test-artifacts', 'faults-ci.log');

describe('the fault-injection suite, small variant (npm run faults -- --ci)', () => {
  it('loses nothing, duplicates nothing and leaves no workflow stuck or failed', { skip, timeout: 40 * 60_000 }, async () => {
    mkdirSync(path.dirname(LOG), { recursive: true });
    const log = createWriteStream(LOG);
    const started = Date.now();
    const child = spawn('bash', ['scripts/faults.sh', '--ci'], {
      cwd: repo,
      env: { ...process.env, FAULTS_SKIP_DEPS: process.env.FAULTS_SKIP_DEPS ?? '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        log.write(chunk);
      });
    }
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise((resolve) => log.end(resolve));
    const minutes = ((Date.now() - started) / 60_000).toFixed(1);
    const summary = output.slice(output.indexOf('== fault run:'));
    console.log(`fault run (--ci) took ${minutes} min; exit ${code}\n${summary}`);

    assert.equal(code, 0, `the fault run failed (exit ${code}; see ${LOG}):\n${output.slice(-4000)}`);
    assert.match(summary, /RESULT: PASS/);
    // The printed counts, line by line (faults/counts.ts).
    const expect = (label: string, value: RegExp) => {
      const row = summary.split('\n').find((line) => line.trimStart().startsWith(label));
      assert.ok(row, `no "${label}" line in the counts`);
      assert.match(row, value, row);
    };
    expect('worker SIGKILLs', /^\s*worker SIGKILLs\s+4 /);
    expect('Temporal server restart', /\d+ s until ready again/);
    for (const store of ['postgres', 'elasticsearch', 'neo4j', 'llm']) expect(`${store} stopped`, /\d+ s until ready again/);
    expect('workflow ', /completed/);
    expect('report', /total 100, succeeded 100, failed 0, skipped 0, pending 0/);
    expect('items accounted for', /100 of 100 list rows/);
    expect('PostgreSQL products', /100 rows, lost 0, duplicate 0/);
    expect('Elasticsearch product documents', /100 docs, lost 0, duplicate 0/);
    expect('Neo4j nodes', /100 products, .*lost 0, duplicate 0/);
    expect('Neo4j relationships', /lost 0, duplicate 0/);
    expect('workflow results', /\{"approved":10\}/);
    for (const platform of ['webhook stand-in', 'WordPress stand-in', 'feed entries'])
      expect(`publications: ${platform}`, /exactly one for 10 of 10, missing 0, duplicate 0/);
    expect('publication rows published', /30 of 30/);
    expect('Elasticsearch content documents', /10 docs, lost 0, duplicate 0/);
    expect('audit events', /repeated 0/);
    expect('still running', /\s0$/);
    expect('failed / timed out / terminated', /\s0$/);
    expect('after a start-to-close timeout', /\s0$/);
  });
});
