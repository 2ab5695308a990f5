// The demo's client side: waits for the API, starts the main job over HTTP, shows progress
// and prints the outcome with the Temporal UI link of the run.
import { randomUUID } from 'node:crypto';

const api = process.argv[2] ?? 'http://127.0.0.1:8080';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForReady(timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${api}/readyz`);
      if (response.ok) return;
      last = await response.text();
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(500);
  }
  throw new Error(`API not ready after ${timeoutMs / 1000}s: ${last}`);
}

async function main() {
  await waitForReady();
  const checkId = `demo-${randomUUID().slice(0, 8)}`;
  const started = await fetch(`${api}/v1/stack-checks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ checkId, tenantId: 'demo', note: 'end-to-end demo run' }),
  });
  const start = (await started.json()) as { workflowId: string; temporalUi: string };
  if (started.status !== 202) throw new Error(`start failed: ${started.status} ${JSON.stringify(start)}`);
  console.log(`[demo] started ${start.workflowId}`);

  for (let i = 0; i < 120; i++) {
    const read = (await (await fetch(`${api}/v1/stack-checks/${checkId}`)).json()) as { status: string; result?: unknown };
    process.stdout.write(`\r[demo] status: ${read.status.padEnd(12)}`);
    if (read.status === 'COMPLETED') {
      console.log('\n[demo] result:', JSON.stringify(read.result, null, 2));
      console.log(`[demo] Temporal UI: ${start.temporalUi}`);
      console.log(`[demo] CLI: temporal workflow list --query "BusinessId='${checkId}'"`);
      return;
    }
    if (read.status !== 'RUNNING') throw new Error(`workflow ended ${read.status}; see ${start.temporalUi}`);
    await sleep(500);
  }
  throw new Error(`still running after 60s; see ${start.temporalUi}`);
}

main().catch((error) => {
  console.error(`\n[demo] failed: ${(error as Error).message}`);
  process.exit(1);
});
