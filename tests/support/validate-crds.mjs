// Validates custom resources (KEDA ScaledObject, PrometheusRule, PodMonitor) against the schemas
// of their CRDs, as generated into @kubernetes-models/* (ESM-only packages, hence this script).
// stdin: a JSON array of resources; stdout: a JSON array of { kind, name, error? }.
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';

const models = { ScaledObject, PodMonitor, PrometheusRule };
let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = JSON.parse(input).map((resource) => {
  const Model = models[resource.kind];
  if (!Model) return { kind: resource.kind, name: resource.metadata?.name, error: `no schema for ${resource.kind}` };
  try {
    new Model(resource).validate();
    return { kind: resource.kind, name: resource.metadata?.name };
  } catch (error) {
    return { kind: resource.kind, name: resource.metadata?.name, error: String(error?.message ?? error) };
  }
});
process.stdout.write(JSON.stringify(results));
