// The LLM gateway: every model call of the service goes through here. It renders the task's
// versioned prompt, asks for schema-constrained JSON, validates it (one repair attempt, then a
// typed failure), enforces the tenant's token budget and the provider's rate limit shared by
// every process (chat, embeddings and moderation alike), and records each call in PostgreSQL.
import { ApplicationFailure } from '@temporalio/common';
import OpenAI from 'openai';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { Config } from '../config';
import { LlmErrorType, classifyLlmError } from './errors';
import { SharedRateLimiter, type RateLimiterConfig } from './rate-limiter';
import { estimateInputTokens } from './rate-rules';
import { llmTasks, type ChatMessage, type LlmTaskName, type TaskInput, type TaskOutput } from './tasks';

export interface CallContext {
  tenantId: string;
  /** The decision of the learning loop that chose this call's version (recorded with the call). */
  decisionId?: string;
  workflowId?: string;
  activityId?: string;
  attempt?: number;
  /** Ends a wait for room under the rate limit (the activity's cancellation). */
  signal?: AbortSignal;
  /** How long this call may wait for room under the rate limit, if less than LLM_RATE_MAX_WAIT. */
  maxRateWaitMs?: number;
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
> &
  RateLimiterConfig;

/** A 429 is sent again within the call (after its Retry-After, if that fits the wait) this many
 *  times; then the activity fails retryably and Temporal retries it after the Retry-After. */
const RESENDS_AFTER_429 = 2;
/** How long a 429 without Retry-After holds every process back. */
const DEFAULT_429_PAUSE_MS = 1_000;
/** The moderation endpoint's calls count against this LLM_RATE_LIMITS key (or `default`). */
const MODERATION_MODEL = 'moderation';

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
  /** The provider's rate limit every call of this gateway goes under (observed by the metrics). */
  readonly limiter: SharedRateLimiter;

  constructor(
    private readonly client: OpenAI,
    private readonly embeddingsClient: OpenAI,
    private readonly pg: Pool,
    private readonly config: GatewayConfig,
  ) {
    this.limiter = new SharedRateLimiter(pg, config);
  }

  modelFor(task: string): string {
    return this.config.LLM_MODELS[task] ?? this.config.LLM_MODELS.default!;
  }

  async runTask<N extends LlmTaskName>(
    name: N,
    input: TaskInput<N>,
    ctx: CallContext,
    choice?: PromptChoice,
  ): Promise<TaskResult<TaskOutput<N>>> {
    const task = llmTasks[name];
    const model = choice?.model ?? this.modelFor(name);
    const promptVersion = choice?.promptVersion ?? task.promptVersion;
    const temperature = choice?.temperature ?? task.temperature;
    const maxTokens = choice?.maxTokens ?? task.maxTokens;
    const narrow = (task as { outputFor?: (i: TaskInput<N>) => z.ZodType }).outputFor;
    const schema = (narrow ? narrow(input) : task.output) as z.ZodType<TaskOutput<N>>;
    await this.assertBudget(ctx.tenantId);

    const messages: ChatMessage[] = (task.render as (i: TaskInput<N>, instructions: string) => ChatMessage[])(
      input,
      choice?.instructions ?? task.instructions,
    );
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
      const record = {
        task: name,
        promptVersion,
        model,
        params: { ...params, round },
        promptTokens,
        completionTokens,
        latencyMs: answer.latencyMs,
      };
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
      await this.record(ctx, {
        ...record,
        status: 'invalid_output',
        errorType: LlmErrorType.InvalidOutput,
        output: { raw: content.slice(0, 4_000), problem: parsed.problem },
      });
      await this.spend(ctx.tenantId, promptTokens + completionTokens);
      messages.push(
        { role: 'assistant', content: content.slice(0, 4_000) },
        { role: 'user', content: `That answer was invalid: ${parsed.problem}. Reply again with only the corrected JSON.` },
      );
    }
    throw ApplicationFailure.nonRetryable(
      `${name}: the model's output did not match the schema after one repair`,
      LlmErrorType.InvalidOutput,
    );
  }

  /** The provider's moderation endpoint (OpenAI's /v1/moderations); only called when
   *  CONTENT_MODERATION is on, since local servers do not offer it. */
  async moderate(
    text: string,
    ctx: Pick<CallContext, 'signal' | 'maxRateWaitMs'> = {},
  ): Promise<{ flagged: boolean; categories: string[] }> {
    const input = text.slice(0, 20_000);
    try {
      const { result: response } = await this.underRateLimit(
        MODERATION_MODEL,
        estimateInputTokens(input),
        ctx,
        () => this.client.moderations.create({ input }),
        () => undefined,
      );
      const categories = response.results.flatMap((result) =>
        Object.entries(result.categories as unknown as Record<string, boolean>)
          .filter(([, hit]) => hit)
          .map(([name]) => name),
      );
      return { flagged: response.results.some((result) => result.flagged), categories: [...new Set(categories)] };
    } catch (error) {
      throw classifyLlmError(error);
    }
  }

  async embed(texts: string[], ctx: CallContext): Promise<number[][]> {
    const model = this.config.EMBEDDING_MODEL;
    await this.assertBudget(ctx.tenantId);
    const { result: response, latencyMs } = await this.underRateLimit(
      model,
      estimateInputTokens(...texts) + texts.length,
      ctx,
      () => this.embeddingsClient.embeddings.create({ model, input: texts, encoding_format: 'float' }),
      (answer) => answer.usage?.prompt_tokens,
      (failure, ms) =>
        this.record(ctx, {
          task: 'embed',
          promptVersion: 'embed@1',
          model,
          params: { n: texts.length },
          status: 'error',
          errorType: failure.type ?? undefined,
          promptTokens: 0,
          completionTokens: 0,
          latencyMs: ms,
        }),
    );
    const vectors = [...response.data].sort((a, b) => a.index - b.index).map((item) => item.embedding);
    const wrong = vectors.find((vector) => vector.length !== this.config.EMBEDDING_DIMENSIONS);
    if (vectors.length !== texts.length || wrong) {
      throw ApplicationFailure.nonRetryable(
        `embedding model ${model} returned ${vectors.length} vectors of ${wrong?.length ?? this.config.EMBEDDING_DIMENSIONS} dimensions; expected ${texts.length} of ${this.config.EMBEDDING_DIMENSIONS} (EMBEDDING_DIMENSIONS)`,
        'EmbeddingDimensionMismatch',
      );
    }
    const tokens = response.usage?.prompt_tokens ?? 0;
    await this.record(ctx, {
      task: 'embed',
      promptVersion: 'embed@1',
      model,
      params: { n: texts.length },
      status: 'ok',
      promptTokens: tokens,
      completionTokens: 0,
      latencyMs,
    });
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
    const request = {
      model,
      messages,
      ...params,
      response_format: {
        type: 'json_schema' as const,
        json_schema: { name, strict: true, schema: z.toJSONSchema(schema, { target: 'draft-7' }) as Record<string, unknown> },
      },
    };
    const recordFailure = (failure: ApplicationFailure, latencyMs: number) =>
      this.record(ctx, {
        task: name,
        promptVersion,
        model,
        params,
        status: 'error',
        errorType: failure.type ?? undefined,
        promptTokens: 0,
        completionTokens: 0,
        latencyMs,
      });
    // The whole request counts as input (messages and the JSON schema), plus the most it may answer.
    const { result: completion, latencyMs } = await this.underRateLimit(
      model,
      estimateInputTokens(JSON.stringify(request.messages), JSON.stringify(request.response_format)) + params.max_tokens,
      ctx,
      () => this.client.chat.completions.create(request),
      (answer) => (answer.usage ? answer.usage.prompt_tokens + answer.usage.completion_tokens : undefined),
      recordFailure,
    );
    const choice = completion.choices[0];
    const refusal = choice?.message.refusal
      ? ApplicationFailure.nonRetryable(`${name}: the model refused: ${choice.message.refusal}`, LlmErrorType.ContentRefused)
      : choice?.finish_reason === 'content_filter'
        ? ApplicationFailure.nonRetryable(`${name}: the provider filtered the output`, LlmErrorType.ContentRefused)
        : undefined;
    if (refusal) {
      await recordFailure(refusal, latencyMs);
      throw refusal;
    }
    return {
      content: choice?.message.content ?? '',
      promptTokens: completion.usage?.prompt_tokens ?? 0,
      completionTokens: completion.usage?.completion_tokens ?? 0,
      latencyMs,
    };
  }

  /**
   * Sends one request under the provider's rate limit shared by every process: waits for room
   * (reserving `estimatedTokens`), then settles the reservation with the tokens the answer
   * reports. A 429 blocks the limit for every process until its Retry-After and the request is
   * sent again (a few times, within the wait allowed); every other failure is classified and
   * thrown. `onFailure` records each failed request (with its latency).
   */
  private async underRateLimit<T>(
    model: string,
    estimatedTokens: number,
    ctx: Pick<CallContext, 'signal' | 'maxRateWaitMs'>,
    send: () => Promise<T>,
    usedTokens: (answer: T) => number | undefined,
    onFailure?: (failure: ApplicationFailure, latencyMs: number) => Promise<unknown>,
  ): Promise<{ result: T; latencyMs: number }> {
    for (let resend = 0; ; resend++) {
      const grant = await this.limiter.acquire(model, estimatedTokens, { signal: ctx.signal, maxWaitMs: ctx.maxRateWaitMs });
      const started = Date.now();
      let result: T;
      try {
        result = await send();
      } catch (error) {
        const latencyMs = Date.now() - started;
        await this.limiter.settle(grant);
        const failure = classifyLlmError(error);
        await onFailure?.(failure, latencyMs);
        const providerLimited = error instanceof OpenAI.APIError && error.status === 429;
        if (!providerLimited) throw failure;
        await this.limiter.block(model, typeof failure.nextRetryDelay === 'number' ? failure.nextRetryDelay : DEFAULT_429_PAUSE_MS);
        if (resend >= RESENDS_AFTER_429) throw failure;
        continue;
      }
      const latencyMs = Date.now() - started;
      await this.limiter.settle(grant, usedTokens(result));
      return { result, latencyMs };
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
    await this.pg.query('UPDATE llm_budgets SET tokens_used = tokens_used + $2, updated_at = now() WHERE tenant_id = $1', [
      tenantId,
      tokens,
    ]);
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
        ctx.tenantId,
        call.task,
        call.promptVersion,
        call.model,
        JSON.stringify(call.params),
        call.status,
        call.errorType ?? null,
        call.promptTokens,
        call.completionTokens,
        call.latencyMs,
        cost,
        call.output === undefined ? null : JSON.stringify(call.output),
        ctx.workflowId ?? null,
        ctx.activityId ?? null,
        ctx.attempt ?? null,
        ctx.decisionId ?? null,
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
  return {
    ok: false,
    problem: result.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; '),
  };
}
