// Live progress of a workflow until it completes, as Server-Sent Events or over a WebSocket.
// Both poll the same reader (a query or a stored record) and send a snapshot whenever it
// changes, then a final `done`. The token may come as `?access_token=` because neither
// EventSource nor browser WebSockets can set an Authorization header.
import type { IncomingMessage, Server } from 'node:http';
import type { Request, Response } from 'express';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal } from '../auth/principal';
import { getContent } from '../content/service';
import { listProgressWithEstimate, listReport, publicListId, resolveListKey } from '../products/lists';
import { researchView } from '../research/service';
import type { Infrastructure } from '../runtime/infrastructure';
import { createAuthenticator, tokenOf } from './auth';
import { ID_PATTERN } from '../ids';

export interface Snapshot {
  done: boolean;
  data: unknown;
}
export type SnapshotReader = () => Promise<Snapshot>;

const POLL_MS = 1_000;
const LIST_ID = ID_PATTERN;

/** Polls `read` and hands each changed snapshot to `send` until done or stopped. */
async function follow(read: SnapshotReader, send: (snapshot: Snapshot) => void, stopped: () => boolean): Promise<void> {
  let last = '';
  while (!stopped()) {
    const snapshot = await read();
    const text = JSON.stringify(snapshot.data);
    if (text !== last || snapshot.done) send(snapshot);
    last = text;
    if (snapshot.done) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export async function serveEvents(req: Request, res: Response, read: SnapshotReader): Promise<void> {
  const first = await read(); // a 404 surfaces before the stream starts
  res
    .status(200)
    .set({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  let closed = false;
  req.on('close', () => (closed = true));
  let sentFirst = false;
  const reader: SnapshotReader = async () => (sentFirst ? read() : ((sentFirst = true), first));
  try {
    await follow(
      reader,
      ({ data, done }) => {
        res.write(`event: progress\ndata: ${JSON.stringify(data)}\n\n`);
        if (done) res.write(`event: done\ndata: ${JSON.stringify(data)}\n\n`);
      },
      () => closed,
    );
  } catch (error) {
    res.write(`event: error\ndata: ${JSON.stringify({ detail: error instanceof Error ? error.message : String(error) })}\n\n`);
  }
  res.end();
}

const FINISHED_STAGES = ['completed', 'closed'];

/** Readers for each workflow family, scoped to the caller's tenant. */
export const readers = {
  content:
    (infra: Infrastructure, principal: Principal, contentId: string): SnapshotReader =>
    async () => {
      const content = await getContent(infra, principal, contentId);
      return { done: FINISHED_STAGES.includes(content.stage), data: content };
    },
  productList:
    (infra: Infrastructure, key: string): SnapshotReader =>
    async () => {
      const listId = publicListId(key);
      const stored = await listReport(infra.pg, key);
      if (!stored || stored.status !== 'running')
        return { done: true, data: { listId, status: stored?.status ?? 'unknown', report: stored?.report } };
      return {
        done: false,
        data: { listId, status: stored.status, progress: await listProgressWithEstimate(infra, key).catch(() => undefined) },
      };
    },
  research:
    (infra: Infrastructure, tenantId: string, runId: string): SnapshotReader =>
    async () => {
      const view = await researchView(infra, tenantId, runId);
      if (!view) throw new Error(`no research run ${runId}`);
      return { done: view.status !== 'running', data: view };
    },
};

/** WebSocket endpoint `/v1/live?content=<id>`, `?list=<id>` or `?research=<runId>` (token in `access_token`). */
export function attachLiveSocket(server: Server, infra: Infrastructure): void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  const { verify } = createAuthenticator(infra.config);
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname !== '/v1/live') return socket.destroy();
    const refuse = (status: number, reason: string) => {
      socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${reason}\n`);
    };
    void (async () => {
      let principal: Principal;
      try {
        const token = tokenOf({ headers: req.headers, query: Object.fromEntries(url.searchParams) } as never, true); // /v1/live is a live route
        if (!token) return refuse(401, 'Unauthorized');
        principal = await verify(token);
      } catch {
        return refuse(401, 'Unauthorized');
      }
      const contentId = url.searchParams.get('content');
      const listId = url.searchParams.get('list');
      const researchRunId = url.searchParams.get('research');
      let read: SnapshotReader;
      if (contentId) read = readers.content(infra, principal, contentId);
      else if (researchRunId) read = readers.research(infra, principal.tenantId, researchRunId);
      else if (listId) {
        const key = LIST_ID.test(listId) ? await resolveListKey(infra.pg, principal.tenantId, listId) : undefined;
        if (!key) return refuse(404, 'Not Found');
        read = readers.productList(infra, key);
      } else return refuse(400, 'Bad Request');
      try {
        await read();
      } catch {
        return refuse(404, 'Not Found');
      }
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        let closed = false;
        ws.on('close', () => (closed = true));
        follow(
          read,
          ({ data, done }) => ws.send(JSON.stringify({ type: done ? 'done' : 'progress', data })),
          () => closed,
        )
          .catch((error: unknown) =>
            ws.send(JSON.stringify({ type: 'error', detail: error instanceof Error ? error.message : String(error) })),
          )
          .finally(() => ws.close(1000, 'done'));
      });
    })().catch(() => refuse(503, 'Service Unavailable')); // a store went away while vetting the request
  });
}
