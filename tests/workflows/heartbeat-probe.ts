// Test-only workflow: one long activity with a short heartbeat timeout (tests/heartbeats.test.ts).
import { proxyActivities } from '@temporalio/workflow';

interface ProbeActivities {
  longStep(input: { runMs: number; failFirstAttempt: boolean }): Promise<{ attempt: number; resumedFrom: unknown }>;
}

const { longStep } = proxyActivities<ProbeActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '1 second',
  retry: { initialInterval: '100 ms', maximumAttempts: 2 },
});

export async function heartbeatProbeWorkflow(input: { runMs: number; failFirstAttempt: boolean }) {
  return longStep(input);
}
