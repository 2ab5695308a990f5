// Replay: every recorded history in tests/replay-histories/ must replay against today's
// workflow code without non-determinism. Record new fixtures with scripts/record-history.sh
// whenever a workflow changes shape, and keep the old ones while such runs may be in flight.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import './support/world'; // quiet SDK logging

const dir = path.join(__dirname, 'replay-histories');
const fixtures = readdirSync(dir).filter((file) => file.endsWith('.json'));

describe('replay of recorded histories', () => {
  it('has fixtures to replay', () => {
    assert.ok(fixtures.length > 0);
  });

  for (const file of fixtures) {
    it(`replays ${file} deterministically`, async () => {
      const history = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as unknown;
      await Worker.runReplayHistory({ workflowsPath: require.resolve('../src/workflows') }, history, file);
    });
  }

  it('fails when the workflow code diverges from a history (the guard works)', async () => {
    const file = fixtures.find((name) => name.startsWith('stack-check'));
    assert.ok(file);
    const history = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as unknown;
    await assert.rejects(
      Worker.runReplayHistory({ workflowsPath: require.resolve('./workflows/diverged-stack-check') }, history, file),
      (error: Error) => error.name === 'DeterminismViolationError',
    );
  });
});
