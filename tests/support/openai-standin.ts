// A loopback STAND-IN for an OpenAI-compatible provider, used only to script failure codes
// (429/500/400/401/…) and malformed outputs that a real local model cannot be made to produce
// on demand. It speaks the real wire format of /v1/chat/completions and /v1/embeddings.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  /** For 200s: the assistant message content (usually JSON text). For errors: the error object. */
  content?: string;
  error?: { message: string; type?: string; code?: string };
  /** With `countTokens`: the completion tokens to report (a model that wrote this much). */
  completionTokens?: number;
  /** The answer waits for this (a slow model, held until the test releases it). */
  holdUntil?: Promise<void>;
}

/** A reply computed from the request body (e.g. citing ids offered by the request's JSON schema). */
export type Reply = ScriptedReply | ((body: any) => ScriptedReply);

export interface RecordedRequest {
  at: number;
  path: string;
  body: any;
  /** The tokens the reply reported as used (prompt + completion). */
  tokens: number;
}

export interface StandInOptions {
  /** Report usage counted from the request (about 4 characters a token, as tokenizers do on
   *  English text; completions at most max_tokens) instead of the fixed 11 + 7 tokens. */
  countTokens?: boolean;
  /** Length of the vectors /embeddings answers (deterministic per input text). */
  dimensions?: number;
}

export interface OpenAiStandIn {
  baseUrl: string;
  requests: RecordedRequest[];
  /** Replies are used in order; when the script runs out, `fallback` answers. */
  script(replies: Reply[], fallback?: Reply): void;
  close(): Promise<void>;
}

const tokensOf = (text: string) => Math.ceil(text.length / 4);

/** A unit vector derived from the text: equal texts embed equally, different ones differ. */
function vectorFor(text: string, dimensions: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block++) {
    const digest = createHash('sha256').update(`${block}:${text}`).digest();
    for (let i = 0; i < digest.length && values.length < dimensions; i++) values.push(digest[i]! / 255 - 0.5);
  }
  const norm = Math.hypot(...values) || 1;
  return values.map((value) => value / norm);
}

export async function startOpenAiStandIn(options: StandInOptions = {}): Promise<OpenAiStandIn> {
  let queue: Reply[] = [];
  let fallback: Reply = { status: 500, error: { message: 'no scripted reply' } };
  const requests: RecordedRequest[] = [];

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', async () => {
      const body = raw ? JSON.parse(raw) : undefined;
      const at = Date.now();
      if (req.url?.endsWith('/embeddings')) {
        const inputs: string[] = Array.isArray(body?.input) ? body.input : [String(body?.input ?? '')];
        const promptTokens = options.countTokens ? inputs.reduce((sum, input) => sum + tokensOf(input), 0) : 11;
        requests.push({ at, path: req.url, body, tokens: promptTokens });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            object: 'list',
            model: body?.model ?? 'standin',
            data: inputs.map((input, index) => ({ object: 'embedding', index, embedding: vectorFor(input, options.dimensions ?? 384) })),
            usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
          }),
        );
        return;
      }
      const recorded: RecordedRequest = { at, path: req.url ?? '', body, tokens: 0 };
      requests.push(recorded);
      const next = queue.shift() ?? fallback;
      const reply = typeof next === 'function' ? next(body) : next;
      await reply.holdUntil;
      const status = reply.status ?? 200;
      res.writeHead(status, { 'content-type': 'application/json', ...reply.headers });
      if (status >= 400) {
        res.end(JSON.stringify({ error: { type: 'invalid_request_error', code: null, param: null, ...reply.error } }));
        return;
      }
      const content = reply.content ?? '{}';
      const messages: { content?: unknown }[] = Array.isArray(body?.messages) ? body.messages : [];
      const usage = options.countTokens
        ? {
            prompt_tokens: messages.reduce(
              (sum, message) =>
                sum + tokensOf(typeof message.content === 'string' ? message.content : JSON.stringify(message.content ?? '')),
              0,
            ),
            completion_tokens: reply.completionTokens ?? Math.min(tokensOf(content), Number(body?.max_tokens ?? Infinity)),
          }
        : { prompt_tokens: 11, completion_tokens: 7 };
      recorded.tokens = usage.prompt_tokens + usage.completion_tokens;
      res.end(
        JSON.stringify({
          id: `chatcmpl-standin-${requests.length}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body?.model ?? 'standin',
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content, refusal: null } }],
          usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script(replies, newFallback) {
      queue = [...replies];
      if (newFallback) fallback = newFallback;
      requests.length = 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The most events (or the sum of their weights) inside any window of `windowMs`: what a
 *  provider's per-window rate limit would have counted at its busiest. */
export function busiestWindow(events: { at: number; weight?: number }[], windowMs: number): number {
  const sorted = [...events].sort((a, b) => a.at - b.at);
  let most = 0;
  for (let i = 0; i < sorted.length; i++) {
    let sum = 0;
    for (let j = i; j < sorted.length && sorted[j]!.at - sorted[i]!.at < windowMs; j++) sum += sorted[j]!.weight ?? 1;
    most = Math.max(most, sum);
  }
  return most;
}
