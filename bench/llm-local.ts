// Benchmark (not a test): the local model's speed per LLM task on this machine.
// Prints, per task, p50 latency and completion tokens per second over N calls through the
// same gateway the activities use, plus embedding latency.
//   npm run bench:llm -- [runsPerTask=5]
import { randomUUID } from 'node:crypto';
import { loadConfigOrExit } from '../src/config';
import { createLogger } from '../src/observability/logger';
import { openInfrastructure } from '../src/runtime/infrastructure';
import { applySchema } from '../src/schema/apply';
import type { LlmTaskName } from '../src/llm/tasks';
import { sampleTaskInputs as inputs } from '../tests/fixtures/llm-task-inputs';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main() {
  const runs = Number(process.argv[2] ?? 5);
  const config = loadConfigOrExit();
  const infra = await openInfrastructure(config, createLogger('warn', 'bench'));
  await applySchema(infra);
  const ctx = { tenantId: `bench-${randomUUID().slice(0, 8)}` };
  console.log(`model ${config.LLM_MODELS.default} at ${config.OPENAI_BASE_URL}, ${runs} calls per task\n`);
  console.log('task        p50 ms   p50 tok/s   completion tokens (p50)   failures');
  for (const task of Object.keys(inputs) as LlmTaskName[]) {
    const latencies: number[] = [];
    const rates: number[] = [];
    const tokens: number[] = [];
    let failures = 0;
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      try {
        const result = await infra.llm.runTask(task, inputs[task], ctx);
        const ms = performance.now() - started;
        latencies.push(ms);
        tokens.push(result.usage.completionTokens);
        rates.push(result.usage.completionTokens / (ms / 1000));
      } catch {
        failures++;
      }
    }
    const row = latencies.length
      ? `${median(latencies).toFixed(0).padStart(6)}   ${median(rates).toFixed(1).padStart(9)}   ${median(tokens).toFixed(0).padStart(23)}`
      : '     -           -                         -';
    console.log(`${task.padEnd(10)}  ${row}   ${failures}/${runs}`);
  }
  const embedLatencies: number[] = [];
  for (let i = 0; i < runs * 4; i++) {
    const started = performance.now();
    await infra.llm.embed([`a short product sentence number ${i}`], ctx);
    embedLatencies.push(performance.now() - started);
  }
  console.log(
    `\nembeddings (${config.EMBEDDING_MODEL}, 1 sentence): p50 ${median(embedLatencies).toFixed(1)} ms over ${embedLatencies.length} calls`,
  );
  await infra.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
