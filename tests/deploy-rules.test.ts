// The alert rules (deploy/prometheus/rules.yml): promtool checks them and runs their unit tests
// (deploy/prometheus/rules.test.yml); the PrometheusRule shipped for Kubernetes carries the
// same groups; a rule changed without its test is caught.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { PROMETHEUS_RULE_FILE, RULES_FILE, prometheusRuleYaml } from '../scripts/prometheus-rule';
import { onPath, repoRoot, skipUnless } from './support/ops-tools';

const promtool = onPath('promtool');
const rulesTests = path.join(repoRoot, 'deploy/prometheus/rules.test.yml');

function runPromtool(...args: string[]) {
  const result = spawnSync(promtool!, args, { encoding: 'utf8' });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('alert rules', () => {
  it('the PrometheusRule is generated from rules.yml (npx tsx scripts/prometheus-rule.ts)', () => {
    assert.equal(readFileSync(PROMETHEUS_RULE_FILE, 'utf8'), prometheusRuleYaml(readFileSync(RULES_FILE, 'utf8')));
    const rule = parse(readFileSync(PROMETHEUS_RULE_FILE, 'utf8'));
    const alerts = rule.spec.groups.flatMap((g: { rules: { alert?: string }[] }) => g.rules.map((r) => r.alert).filter(Boolean));
    assert.deepEqual(alerts.sort(), ['ApiLatencyP95High', 'DatabaseErrorRateHigh', 'ProcessMemoryHigh', 'TaskQueueBacklogHigh']);
  });

  describe('with promtool', { skip: skipUnless({ promtool }) }, () => {
    it('promtool check rules: the file is valid', () => {
      const { code, output } = runPromtool('check', 'rules', RULES_FILE);
      assert.equal(code, 0, output);
      assert.match(output, /SUCCESS: 7 rules found/);
    });

    it('promtool test rules: each alert fires past its threshold and stays quiet below it', () => {
      const { code, output } = runPromtool('test', 'rules', rulesTests);
      assert.equal(code, 0, output);
      assert.match(output, /SUCCESS/);
    });

    it('a threshold changed without its test fails the unit tests', () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'magicai-rules-'));
      const rules = readFileSync(RULES_FILE, 'utf8');
      assert.ok(rules.includes('magicai:task_queue_backlog:max > 1000'));
      writeFileSync(
        path.join(dir, 'rules.yml'),
        rules.replace('magicai:task_queue_backlog:max > 1000', 'magicai:task_queue_backlog:max > 5000'),
      );
      copyFileSync(rulesTests, path.join(dir, 'rules.test.yml'));
      const { code, output } = runPromtool('test', 'rules', path.join(dir, 'rules.test.yml'));
      assert.notEqual(code, 0);
      assert.match(output, /TaskQueueBacklogHigh/);
    });
  });
});
