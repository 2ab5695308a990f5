// Idempotency-Key for POSTs that start work: the first request with a key runs and its answer is
// stored (PostgreSQL, shared by all replicas); a retry with the same key and body gets the stored
// answer back, a different body under the same key is a 422, and a retry while the first is
// still running a 409. Server errors are not stored, so a retry after a 5xx runs again.
import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Pool } from 'pg';
import { principalOf } from './auth';
import { HttpError } from './problem';

const KEY = /^[\x21-\x7e]{1,200}$/;
const REPLAYED_HEADERS = ['location', 'content-type'];

export function idempotent(pg: Pool): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (key === undefined) return next();
    if (!KEY.test(key))
      throw new HttpError(400, 'Invalid Idempotency-Key', 'the Idempotency-Key header must be 1–200 visible ASCII characters');
    const { userId, tenantId } = principalOf(req);
    const hash = createHash('sha256')
      .update(`${req.method} ${req.originalUrl}\n${typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? null)}`)
      .digest('hex');

    const claimed = await pg.query(
      `INSERT INTO api_idempotency_keys (tenant_id, user_id, key, request_hash, state) VALUES ($1, $2, $3, $4, 'in-flight')
       ON CONFLICT DO NOTHING`,
      [tenantId, userId, key, hash],
    );
    if (claimed.rowCount === 0) {
      const { rows } = await pg.query<{
        request_hash: string;
        state: string;
        response_status: number;
        response_body: unknown;
        response_headers: Record<string, string>;
      }>(
        'SELECT request_hash, state, response_status, response_body, response_headers FROM api_idempotency_keys WHERE tenant_id = $1 AND user_id = $2 AND key = $3',
        [tenantId, userId, key],
      );
      const stored = rows[0];
      if (!stored) throw new HttpError(409, 'Conflict', 'a request with this Idempotency-Key was just cancelled; retry');
      if (stored.request_hash !== hash)
        throw new HttpError(422, 'Idempotency-Key reused', 'this Idempotency-Key was used with a different request');
      if (stored.state === 'in-flight')
        throw new HttpError(409, 'Conflict', 'a request with this Idempotency-Key is still being processed');
      res
        .status(stored.response_status)
        .set({ ...stored.response_headers, 'Idempotent-Replayed': 'true' })
        .send(JSON.stringify(stored.response_body));
      return;
    }

    // The answer is stored before it is sent: a client that retries the moment it has the first
    // answer gets it replayed, not a 409 for a key still marked in flight.
    const store = (status: number, body: unknown, asJson: boolean) => {
      const headers: Record<string, string> = Object.fromEntries(REPLAYED_HEADERS.flatMap((h) => (res.get(h) ? [[h, res.get(h)!]] : [])));
      // res.json sets its content type only when it sends, after this: a replay is JSON as well.
      if (asJson) headers['content-type'] ??= 'application/json; charset=utf-8';
      return pg.query(
        `UPDATE api_idempotency_keys SET state = 'done', response_status = $4, response_body = $5, response_headers = $6
          WHERE tenant_id = $1 AND user_id = $2 AND key = $3`,
        [tenantId, userId, key, status, JSON.stringify(body ?? null), headers],
      );
    };
    const forget = () =>
      pg.query('DELETE FROM api_idempotency_keys WHERE tenant_id = $1 AND user_id = $2 AND key = $3', [tenantId, userId, key]);
    let stored = false;
    const json = res.json.bind(res);
    res.json = (value: unknown) => {
      if (res.statusCode >= 500) return json(value);
      stored = true;
      store(res.statusCode, value, true).then(
        () => json(value),
        (error: unknown) => {
          req.log?.error({ err: error }, 'could not store the idempotent response');
          void forget().catch(() => undefined); // a retry runs again rather than meeting a stuck key
          json(value);
        },
      );
      return res;
    };
    res.on('finish', () => {
      if (stored) return;
      // Answers not sent as JSON (and server errors, which are never stored: a retry runs again).
      const settle = res.statusCode >= 500 ? forget() : store(res.statusCode, null, false);
      settle.catch((error: unknown) => req.log?.error({ err: error }, 'could not store the idempotent response'));
    });
    res.on('close', () => {
      // The client went away before an answer was written: free the key for its retry.
      if (!res.writableFinished)
        void pg
          .query(`DELETE FROM api_idempotency_keys WHERE tenant_id = $1 AND user_id = $2 AND key = $3 AND state = 'in-flight'`, [
            tenantId,
            userId,
            key,
          ])
          .catch(() => undefined);
    });
    next();
  };
}
