// The LLM gateway: every model call of the service goes through here. It renders the task's
// versioned prompt, asks for schema-constrained JSON, validates it (one repair attempt, then a
// typed failure), enforces the tenant's token budget, and records each call in PostgreSQL.
import { ApplicationFailure } from '@temporalio/common';
import type OpenAI from 'openai';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { Config } from '../config';
import { LlmErrorType, classifyLlmError } from './errors';
import { llmTasks, type ChatMessage, type LlmTaskName, type TaskInput, type TaskOutput } from './tasks';

export interface CallContext {
  tenantId: string;
  /** The decision of the learning loop that chose this call's version (recorded with the call). */
  decisionId?: string;
  workflowId?: string;
  activityId?: string;
  attempt?: number;
}

/** Travels with every AI-generated value so that it is always labelled as such. */
export interface AiProvenance {
  generated: true;
  model: string;
  promptVersion: string;
  callId: string;
  generatedAt: string;
}

export interface TaskResult<O> {
  output: O;
  ai: AiProvenance;
  usage: { promptTokens: number; completionTokens: number };
  /** 1 = valid on the first answer, 2 = valid after the repair request. */
  rounds?: number;
  latencyMs?: number;
  costUsd?: number;
}

/** A registry version to run instead of the task's code defaults (chosen by the decision engine). */
export interface PromptChoice {
  promptVersion: string;
  /** undefined = the task's configured model (LLM_MODELS). */
  model?: string;
  temperature: number;
  maxTokens: number;
  instructions: string;
}

const DEFAULT_FREQUENCY_PENALTY = 0.3;

type GatewayConfig = Pick<
  Config,
  'LLM_SEED' | 'LLM_MODELS' | 'EMBEDDING_MODEL' | 'EMBEDDING_DIMENSIONS' | 'LLM_PRICE_INPUT_PER_1K' | 'LLM_PRICE_OUTPUT_PER_1K'
>;

interface CallRecord {
  task: string;
  promptVersion: string;
  model: string;
  params: Record<string, unknown>;
  status: 'ok' | 'invalid_output' | 'error';
  errorType?: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  output?: unknown;
}

export class LlmGateway {
  constructor(
    private readonly client: OpenAI,
    private readonly embeddingsClient: OpenAI,
    private readonly pg: Pool,
    private readonly config: GatewayConfig,
  ) {}

  modelFor(task: string): string {
    return this.config.LLM_MODELS[task] ?? this.config.LLM_MODELS.default!;
  }

  async runTask<N extends LlmTaskName>(name: N, input: TaskInput<N>, ctx: CallContext, choice?: PromptChoice): Promise<TaskResult<TaskOutput<N>>> {
    const task = llmTasks[name];
    const model = choice?.model ?? this.modelFor(name);
    const promptVersion = choice?.promptVersion ?? task.promptVersion;
    const temperature = choice?.temperature ?? task.temperature;
    const maxTokens = choice?.maxTokens ?? task.maxTokens;
    const narrow = (task as { outputFor?: (i: TaskInput<N>) => z.ZodType }).outputFor;
    const schema = (narrow ? narrow(input) : task.output) as z.ZodType<TaskOutput<N>>;
    await this.assertBudget(ctx.tenantId);

    const messages: ChatMessage[] = (task.render as (i: TaskInput<N>, instructions: string) => ChatMessage[])(input, choice?.instructions ?? task.instructions);
    let usage = { promptTokens: 0, completionTokens: 0 };
    let latencyMs = 0;

    // First answer, then at most one repair that shows the model what was wrong. The repair
    // samples hotter, with another seed, so it does not retrace a degenerate first answer.
    for (let round = 0; round < 2; round++) {
      const params = {
        temperature: round === 0 ? temperature : Math.max(0.7, temperature + 0.4),
        max_tokens: maxTokens,
        frequency_penalty: task.frequencyPenalty ?? DEFAULT_FREQUENCY_PENALTY,
        seed: this.config.LLM_SEED + round,
      };
      const answer = await this.complete(model, messages, schema, name, params, promptVersion, ctx);
      const { content, promptTokens, completionTokens } = answer;
      usage = { promptTokens: usage.promptTokens + promptTokens, completionTokens: usage.completionTokens + completionTokens };
      latencyMs += answer.latencyMs;
      const parsed = parseJson(content, schema);
      const record = { task: name, promptVersion, model, params: { ...params, round }, promptTokens, completionTokens, latencyMs: answer.latencyMs };
      if (parsed.ok) {
        const callId = await this.record(ctx, { ...record, status: 'ok', output: parsed.value });
        await this.spend(ctx.tenantId, promptTokens + completionTokens);
        return {
          output: parsed.value,
          ai: { generated: true, model, promptVersion, callId, generatedAt: new Date().toISOString() },
          usage,
          rounds: round + 1,
          latencyMs,
          costUsd: this.costOf(usage.promptTokens, usage.completionTokens),
        };
      }
      await this.record(ctx, { ...record, status: 'invalid_output', errorType: LlmErrorType.InvalidOutput, output: { raw: content.slice(0, 4_000), problem: parsed.problem } });
      await this.spend(ctx.tenantId, promptTokens + completionTokens);
      messages.push(
        { role: 'assistant', content: content.slice(0, 4_000) },
        { role: 'user', content: `That answer was invalid: ${parsed.problem}. Reply again with only the corrected JSON.` },
      );
    }
    throw ApplicationFailure.nonRetryable(`${name}: the model's output did not match the schema after one repair`, LlmErrorType.InvalidOutput);
  }

  /** The provider's moderation endpoint (OpenAI's /v1/moderations); only called when
   *  CONTENT_MODERATION is on, since local servers do not offer it. */
  async moderate(text: string): Promise<{ flagged: boolean; categories: string[] }> {
    try {
      const response = await this.client.moderations.create({ input: text.slice(0, 20_000) });
      const categories = response.results.flatMap((result) =>
        Object.entries(result.categories as unknown as Record<string, boolean>).filter(([, hit]) => hit).map(([name]) => name),
      );
      return { flagged: response.results.some((result) => result.flagged), categories: [...new Set(categories)] };
    } catch (error) {
      throw classifyLlmError(error);
    }
  }

  async embed(texts: string[], ctx: CallContext): Promise<number[][]> {
    const model = this.config.EMBEDDING_MODEL;
    await this.assertBudget(ctx.tenantId);
    const started = Date.now();
    let response: OpenAI.CreateEmbeddingResponse;
    try {
      response = await this.embeddingsClient.embeddings.create({ model, input: texts, encoding_format: 'float' });
    } catch (error) {
      const failure = classifyLlmError(error);
      await this.record(ctx, { task: 'embed', promptVersion: 'embed@1', model, params: { n: texts.length }, status: 'error', errorType: failure.type ?? undefined, promptTokens: 0, completionTokens: 0, latencyMs: Date.now() - started });
      throw failure;
    }
    const vectors = [...response.data].sort((a, b) => a.index - b.index).map((item) => item.embedding);
    const wrong = vectors.find((vector) => vector.length !== this.config.EMBEDDING_DIMENSIONS);
    if (vectors.length !== texts.length || wrong) {
      throw ApplicationFailure.nonRetryable(
        `embedding model ${model} returned ${vectors.length} vectors of ${wrong?.length ?? this.config.EMBEDDING_DIMENSIONS} dimensions; expected ${texts.length} of ${this.config.EMBEDDING_DIMENSIONS} (EMBEDDING_DIMENSIONS)`,
        'EmbeddingDimensionMismatch',
      );
    }
    const tokens = response.usage?.prompt_tokens ?? 0;
    await this.record(ctx, { task: 'embed', promptVersion: 'embed@1', model, params: { n: texts.length }, status: 'ok', promptTokens: tokens, completionTokens: 0, latencyMs: Date.now() - started });
    await this.spend(ctx.tenantId, tokens);
    return vectors;
  }

  private async complete(
    model: string,
    messages: ChatMessage[],
    schema: z.ZodType,
    name: string,
    params: { temperature: number; max_tokens: number; frequency_penalty: number; seed: number },
    promptVersion: string,
    ctx: CallContext,
  ) {
    const started = Date.now();
    try {
      const completion = await this.client.chat.completions.create({
        model,
        messages,
        ...params,
        response_format: {
          type: 'json_schema',
          json_schema: { name, strict: true, schema: z.toJSONSchema(schema, { target: 'draft-7' }) },
        },
      });
      const choice = completion.choices[0];
      if (choice?.message.refusal) {
        throw ApplicationFailure.nonRetryable(`${name}: the model refused: ${choice.message.refusal}`, LlmErrorType.ContentRefused);
      }
      if (choice?.finish_reason === 'content_filter') {
        throw ApplicationFailure.nonRetryable(`${name}: the provider filtered the output`, LlmErrorType.ContentRefused);
      }
      return {
        content: choice?.message.content ?? '',
        promptTokens: completion.usage?.prompt_tokens ?? 0,
        completionTokens: completion.usage?.completion_tokens ?? 0,
        latencyMs: Date.now() - started,
      };
    } catch (error) {
      const failure = classifyLlmError(error);
      await this.record(ctx, { task: name, promptVersion, model, params, status: 'error', errorType: failure.type ?? undefined, promptTokens: 0, completionTokens: 0, latencyMs: Date.now() - started });
      throw failure;
    }
  }

  private async assertBudget(tenantId: string): Promise<void> {
    const { rows } = await this.pg.query<{ token_limit: string; tokens_used: string }>(
      'SELECT token_limit, tokens_used FROM llm_budgets WHERE tenant_id = $1',
      [tenantId],
    );
    const budget = rows[0];
    if (budget && Number(budget.tokens_used) >= Number(budget.token_limit)) {
      throw ApplicationFailure.nonRetryable(
        `tenant ${tenantId} has used its LLM token budget (${budget.tokens_used}/${budget.token_limit})`,
        LlmErrorType.BudgetExhausted,
        { tenantId },
      );
    }
  }

  private async spend(tenantId: string, tokens: number): Promise<void> {
    if (tokens <= 0) return;
    await this.pg.query('UPDATE llm_budgets SET tokens_used = tokens_used + $2, updated_at = now() WHERE tenant_id = $1', [tenantId, tokens]);
  }

  costOf(promptTokens: number, completionTokens: number): number {
    return (promptTokens / 1000) * this.config.LLM_PRICE_INPUT_PER_1K + (completionTokens / 1000) * this.config.LLM_PRICE_OUTPUT_PER_1K;
  }

  private async record(ctx: CallContext, call: CallRecord): Promise<string> {
    const cost = this.costOf(call.promptTokens, call.completionTokens);
    const { rows } = await this.pg.query<{ call_id: string }>(
      `INSERT INTO llm_calls (tenant_id, task, prompt_version, model, params, status, error_type, prompt_tokens,
         completion_tokens, latency_ms, est_cost_usd, output, workflow_id, activity_id, activity_attempt, decision_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) RETURNING call_id`,
      [
        ctx.tenantId, call.task, call.promptVersion, call.model, JSON.stringify(call.params), call.status, call.errorType ?? null,
        call.promptTokens, call.completionTokens, call.latencyMs, cost, call.output === undefined ? null : JSON.stringify(call.output),
        ctx.workflowId ?? null, ctx.activityId ?? null, ctx.attempt ?? null, ctx.decisionId ?? null,
      ],
    );
    return rows[0]!.call_id;
  }
}

function parseJson<O>(content: string, schema: z.ZodType<O>): { ok: true; value: O } | { ok: false; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (error) {
    return { ok: false, problem: `not valid JSON (${(error as Error).message})` };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problem: result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
}
