// Writes deploy/k8s/base/prometheus-rule.yaml from deploy/prometheus/rules.yml, the single
// source of the alerts: `npx tsx scripts/prometheus-rule.ts` after editing the rules
// (tests/deploy-rules.test.ts fails while the two differ).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';

const root = path.join(__dirname, '..');
export const RULES_FILE = path.join(root, 'deploy/prometheus/rules.yml');
export const PROMETHEUS_RULE_FILE = path.join(root, 'deploy/k8s/base/prometheus-rule.yaml');

export function prometheusRuleYaml(rulesText: string): string {
  const rules = parse(rulesText) as { groups: unknown[] };
  const resource = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'magicai-workflows', labels: { 'app.kubernetes.io/name': 'magicai-workflows' } },
    spec: { groups: rules.groups },
  };
  return `# Generated from deploy/prometheus/rules.yml by scripts/prometheus-rule.ts: edit the rules there.\n${stringify(resource, { lineWidth: 0 })}`;
}

if (require.main === module) {
  writeFileSync(PROMETHEUS_RULE_FILE, prometheusRuleYaml(readFileSync(RULES_FILE, 'utf8')));
  process.stdout.write(`wrote ${path.relative(root, PROMETHEUS_RULE_FILE)}\n`);
}
