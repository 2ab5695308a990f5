// The Kubernetes manifests (deploy/k8s), validated offline: `kustomize build` of each overlay,
// then kubeconform in strict mode against the Kubernetes v1.33 API's JSON schemas (PyPI
// kubernetes-validate), and the custom resources (KEDA ScaledObject, PrometheusRule, PodMonitor)
// against the validators generated from their CRDs (@kubernetes-models/keda,
// @kubernetes-models/prometheus-operator). Then the shape the issue asks for.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { workKinds } from '../src/temporal/task-queues';
import { opsTool, repoRoot, skipUnless } from './support/ops-tools';

const kustomize = opsTool('KUSTOMIZE_PATH');
const kubeconform = opsTool('KUBECONFORM_PATH');
const schemaDir = opsTool('K8S_SCHEMA_DIR');
const skip = skipUnless({ kustomize, kubeconform, 'Kubernetes schemas': schemaDir });

type Resource = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: any; data?: any };

function build(overlay: string): Resource[] {
  assert.ok(kustomize, 'kustomize missing');
  const text = execFileSync(kustomize, ['build', path.join(repoRoot, 'deploy/k8s/overlays', overlay)], { encoding: 'utf8' });
  return parseAllDocuments(text).map((doc) => doc.toJS() as Resource);
}

const customKinds = new Set(['ScaledObject', 'PrometheusRule', 'PodMonitor']);

function kubeconformRun(resources: Resource[]) {
  assert.ok(kubeconform && schemaDir, 'kubeconform or schemas missing');
  const dir = mkdtempSync(path.join(tmpdir(), 'magicai-k8s-'));
  const file = path.join(dir, 'manifests.yaml');
  writeFileSync(file, resources.map((r) => stringify(r)).join('---\n'));
  const result = spawnSync(
    kubeconform,
    [
      '-strict',
      '-summary',
      '-output',
      'json',
      '-schema-location',
      `${schemaDir}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
      '-skip',
      [...customKinds].join(','),
      file,
    ],
    { encoding: 'utf8' },
  );
  const report = JSON.parse(result.stdout) as {
    resources?: { kind: string; name: string; status: string; msg: string }[];
    summary: { valid: number; invalid: number; errors: number; skipped: number };
  };
  return { exitCode: result.status, report };
}

/** Errors per custom resource (undefined = valid), from tests/support/validate-crds.mjs. */
function validateCustom(resources: Resource[]): (string | undefined)[] {
  const result = spawnSync(process.execPath, [path.join(__dirname, 'support/validate-crds.mjs')], {
    input: JSON.stringify(resources),
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  return (JSON.parse(result.stdout) as { error?: string }[]).map((r) => r.error);
}

const envOf = (deployment: Resource) =>
  Object.fromEntries(
    (deployment.spec.template.spec.containers[0].env ?? []).map((e: { name: string; value?: string }) => [e.name, e.value]),
  );

describe('Kubernetes manifests, validated offline', { skip }, () => {
  const overlays = ['dev', 'prod'] as const;
  const built = skip
    ? { dev: [], prod: [] }
    : (Object.fromEntries(overlays.map((o) => [o, build(o)])) as Record<(typeof overlays)[number], Resource[]>);

  for (const overlay of overlays) {
    it(`${overlay}: every built resource is valid against the Kubernetes API schemas (kubeconform -strict)`, () => {
      const resources = built[overlay];
      const core = resources.filter((r) => !customKinds.has(r.kind));
      const { exitCode, report } = kubeconformRun(resources);
      assert.equal(exitCode, 0, JSON.stringify(report.resources, null, 1));
      assert.equal(report.summary.valid, core.length);
      assert.equal(report.summary.errors, 0);
      assert.equal(report.summary.invalid, 0);
    });

    it(`${overlay}: the custom resources are valid against their CRDs' schemas`, () => {
      const custom = built[overlay].filter((r) => customKinds.has(r.kind));
      assert.deepEqual([...new Set(custom.map((r) => r.kind))].sort(), ['PodMonitor', 'PrometheusRule', 'ScaledObject']);
      assert.deepEqual(
        validateCustom(custom),
        custom.map(() => undefined),
      );
    });
  }

  it('the validators reject what a cluster would reject', () => {
    const deployment = structuredClone(built.prod.find((r) => r.kind === 'Deployment')!);
    deployment.spec.replicas = 'three';
    deployment.spec.template.spec.containers[0].readinessProbe.httpGett = { path: '/readyz' };
    const { exitCode, report } = kubeconformRun([deployment]);
    assert.notEqual(exitCode, 0);
    assert.equal(report.summary.invalid, 1);
    assert.match(report.resources![0]!.msg, /replicas|httpGett/);

    const scaled = structuredClone(built.prod.find((r) => r.kind === 'ScaledObject')!);
    delete scaled.spec.scaleTargetRef;
    const rule = structuredClone(built.prod.find((r) => r.kind === 'PrometheusRule')!);
    rule.spec.groups[0].rules[1].for = 'ten minutes';
    const [scaledError, ruleError] = validateCustom([scaled, rule]);
    assert.match(scaledError ?? '', /scaleTargetRef/);
    assert.match(ruleError ?? '', /for/);
  });

  it('prod: the API runs 3 replicas behind probes, a PDB and an HPA', () => {
    const api = built.prod.find((r) => r.kind === 'Deployment' && r.metadata.name === 'magicai-api')!;
    assert.equal(api.metadata.namespace, 'magicai');
    assert.equal(api.spec.replicas, 3);
    const container = api.spec.template.spec.containers[0];
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    assert.ok(container.resources.requests.cpu && container.resources.limits.memory);
    assert.deepEqual(container.args, ['dist/api/main.js']);
    const pdb = built.prod.find((r) => r.kind === 'PodDisruptionBudget' && r.metadata.name === 'magicai-api')!;
    assert.equal(pdb.spec.minAvailable, 2);
    const hpa = built.prod.find((r) => r.kind === 'HorizontalPodAutoscaler')!;
    assert.equal(hpa.spec.scaleTargetRef.name, 'magicai-api');
    assert.equal(hpa.spec.minReplicas, 3);
  });

  it("prod: one worker Deployment per task queue, scaled by KEDA on that queue's backlog", () => {
    const config = built.prod.find((r) => r.kind === 'ConfigMap')!.data;
    const expectedMin = { default: 4, high: 2, crawl: 8, llm: 2 };
    for (const kind of workKinds) {
      const name = `magicai-worker-${kind}`;
      const worker = built.prod.find((r) => r.kind === 'Deployment' && r.metadata.name === name)!;
      assert.ok(worker, name);
      assert.equal(envOf(worker).WORKER_TASK_QUEUES, kind);
      assert.equal(worker.spec.replicas, expectedMin[kind]);
      const scaled = built.prod.find((r) => r.kind === 'ScaledObject' && r.metadata.name === name)!;
      assert.equal(scaled.spec.scaleTargetRef.name, name);
      assert.equal(scaled.spec.minReplicaCount, expectedMin[kind]);
      const trigger = scaled.spec.triggers[0];
      assert.equal(trigger.type, 'temporal');
      assert.equal(trigger.metadata.taskQueue, `${config.TEMPORAL_TASK_QUEUE_PREFIX}-${kind}`);
      assert.equal(trigger.metadata.namespace, config.TEMPORAL_NAMESPACE);
      assert.equal(trigger.metadata.endpoint, config.TEMPORAL_ADDRESS);
      // Graceful termination: the worker's own drain ends before Kubernetes' SIGKILL.
      const grace = worker.spec.template.spec.terminationGracePeriodSeconds;
      assert.ok(
        Number(envOf(worker).WORKER_SHUTDOWN_GRACE_MS) / 1000 < grace,
        `${name}: drain ${envOf(worker).WORKER_SHUTDOWN_GRACE_MS} ms vs grace ${grace} s`,
      );
    }
  });

  it('every pod: non-root, read-only root filesystem, no privilege escalation, config and secret from the ConfigMap and Secret', () => {
    for (const overlay of overlays) {
      for (const deployment of built[overlay].filter((r) => r.kind === 'Deployment')) {
        const pod = deployment.spec.template.spec;
        assert.equal(pod.securityContext.runAsNonRoot, true, deployment.metadata.name);
        assert.equal(pod.serviceAccountName, 'magicai');
        assert.equal(pod.automountServiceAccountToken, false);
        for (const container of pod.containers) {
          assert.equal(container.securityContext.readOnlyRootFilesystem, true);
          assert.equal(container.securityContext.allowPrivilegeEscalation, false);
          assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
          assert.deepEqual(
            container.envFrom.map((e: any) => e.configMapRef?.name ?? e.secretRef?.name),
            ['magicai-config', 'magicai-secrets'],
          );
        }
      }
    }
    // dev generates its Secret; prod expects it from the operator's secret manager.
    assert.ok(built.dev.find((r) => r.kind === 'Secret' && r.metadata.name === 'magicai-secrets'));
    assert.equal(
      built.prod.find((r) => r.kind === 'Secret'),
      undefined,
    );
    for (const kind of ['ServiceAccount', 'NetworkPolicy', 'PrometheusRule', 'PodMonitor', 'Namespace']) {
      assert.ok(
        built.prod.some((r) => r.kind === kind),
        kind,
      );
    }
  });
});
