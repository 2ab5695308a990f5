// A loopback STAND-IN for an OpenAI-compatible provider, used only to script failure codes
// (429/500/400/401/…) and malformed outputs that a real local model cannot be made to produce
// on demand. It speaks the real wire format of /v1/chat/completions and /v1/embeddings.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  /** For 200s: the assistant message content (usually JSON text). For errors: the error object. */
  content?: string;
  error?: { message: string; type?: string; code?: string };
  /** The answer waits for this (a slow model, held until the test releases it). */
  holdUntil?: Promise<void>;
  /** Answer after this long (a slow provider: calls in flight when a worker is stopped). */
  delayMs?: number;
}

/** A reply computed from the request body (e.g. citing ids offered by the request's JSON schema). */
export type Reply = ScriptedReply | ((body: any) => ScriptedReply);

export interface RecordedRequest {
  at: number;
  path: string;
  body: any;
}

export interface OpenAiStandIn {
  baseUrl: string;
  requests: RecordedRequest[];
  /** Replies are used in order; when the script runs out, `fallback` answers. */
  script(replies: Reply[], fallback?: Reply): void;
  close(): Promise<void>;
}

export async function startOpenAiStandIn(): Promise<OpenAiStandIn> {
  let queue: Reply[] = [];
  let fallback: Reply = { status: 500, error: { message: 'no scripted reply' } };
  const requests: RecordedRequest[] = [];

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', async () => {
      const body = raw ? JSON.parse(raw) : undefined;
      requests.push({ at: Date.now(), path: req.url ?? '', body });
      const next = queue.shift() ?? fallback;
      const reply = typeof next === 'function' ? next(body) : next;
      await reply.holdUntil;
      if (reply.delayMs) setTimeout(() => answer(reply, body), reply.delayMs);
      else answer(reply, body);
    });
    const answer = (reply: ScriptedReply, body: any) => {
      const status = reply.status ?? 200;
      res.writeHead(status, { 'content-type': 'application/json', ...reply.headers });
      if (status >= 400) {
        res.end(JSON.stringify({ error: { type: 'invalid_request_error', code: null, param: null, ...reply.error } }));
        return;
      }
      res.end(
        JSON.stringify({
          id: `chatcmpl-standin-${requests.length}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body?.model ?? 'standin',
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: reply.content ?? '{}', refusal: null } }],
          usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
        }),
      );
    };
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
