// The codec server (Temporal's remote codec protocol): the Temporal UI and the `temporal` CLI
// send the encrypted payloads of a history here and get them back decrypted, so operators read
// payloads although Temporal stores ciphertext (README "Payloads at rest").
//
// It lives in the API process because the API already verifies the service's JWTs; it needs the
// `operator` role, a platform role, since it decrypts the payloads of every tenant. Preflight
// and responses carry CORS headers for the Temporal UI's origin. It is not under /v1 and skips the
// per-user limit in PostgreSQL: the UI asks once per history event; the per-client limit holds.
import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Payload } from '@temporalio/common';
import type { Config } from '../../config';
import type { Infrastructure } from '../../runtime/infrastructure';
import { payloadCodecFor } from '../../temporal/data-converter';
import { PayloadCodecError, PayloadKeyUnknown, isEncrypted, keyIdOf } from '../../temporal/payload-encryption';
import { requireRole } from '../auth';
import { HttpError } from '../problem';
import { clientRateLimit } from '../rate-limit';
import { handlerWith } from './handler';

export const CODEC_PATHS = { encode: '/codec/encode', decode: '/codec/decode' } as const;

/** One payload as the protocol carries it: protobuf JSON, bytes as standard base64 (empty fields may be left out). */
const WirePayload = z
  .object({
    metadata: z.record(z.string().regex(/^[\x20-\x7e]{1,256}$/, 'printable ASCII'), z.base64()).optional(),
    data: z.base64().optional(),
  })
  .strict();
export const CodecBody = z.object({ payloads: z.array(WirePayload).max(1_000) }).strict();
export const CodecAnswer = z
  .object({ payloads: z.array(z.object({ metadata: z.record(z.string(), z.base64()), data: z.base64() }).strict()) })
  .strict();

const fromWire = (payload: z.infer<typeof WirePayload>): Payload => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
  data: Buffer.from(payload.data ?? '', 'base64'),
});
const toWire = (payload: Payload) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
  data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
});

/** CORS for the Temporal UI: its origin may send Authorization and X-Namespace with a POST.
 *  Mounted before the 405 for unlisted methods, which answers every other OPTIONS request. */
export function codecCors(config: Pick<Config, 'CODEC_CORS_ORIGINS' | 'TEMPORAL_UI_URL'>): RequestHandler {
  const origins = new Set(config.CODEC_CORS_ORIGINS.length ? config.CODEC_CORS_ORIGINS : [new URL(config.TEMPORAL_UI_URL).origin]);
  return (req, res, next) => {
    res.vary('Origin');
    const origin = req.headers.origin;
    if (origin && origins.has(origin)) {
      res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' });
      // A preflight only; any other OPTIONS request goes on to the 405 every path gives.
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
        res.set({
          'Access-Control-Allow-Methods': 'POST',
          'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Namespace',
          'Access-Control-Max-Age': '600',
        });
        res.status(204).end();
        return;
      }
    }
    next();
  };
}

function translate(error: unknown): never {
  if (error instanceof PayloadCodecError) {
    throw new HttpError(422, 'Unprocessable Content', error.message, {
      codecError: error.type,
      ...(error.keyId ? { keyId: error.keyId } : {}),
    });
  }
  throw error;
}

export function codecRoutes(infra: Pick<Infrastructure, 'config'>, authenticate: RequestHandler): Router {
  const { config } = infra;
  const codec = payloadCodecFor(config);
  const router = Router();
  const guard = [
    clientRateLimit(config),
    authenticate,
    requireRole('operator'),
    express.json({ limit: config.CODEC_BODY_LIMIT, strict: true }),
  ];
  const handle = handlerWith(translate);

  const serve = (operation: 'encode' | 'decode', transform: (payloads: Payload[]) => Promise<Payload[]>) =>
    handle(async (req, res, principal) => {
      const { payloads } = CodecBody.parse(req.body);
      const result = await transform(payloads.map(fromWire));
      // Who read what: decoding shows tenants' data in plain text.
      req.log?.info(
        {
          operation,
          operator: principal.userId,
          tenant: principal.tenantId,
          namespace: req.get('x-namespace')?.slice(0, 200),
          payloads: payloads.length,
        },
        'codec server',
      );
      res.json({ payloads: result.map(toWire) });
    });

  // Encryption off: encoding leaves payloads as they are, and no encrypted payload can be read.
  router.post(
    CODEC_PATHS.encode,
    ...guard,
    serve('encode', (payloads) => (codec ? codec.encode(payloads) : Promise.resolve(payloads))),
  );
  router.post(
    CODEC_PATHS.decode,
    ...guard,
    serve('decode', async (payloads) => {
      if (codec) return codec.decode(payloads);
      const encrypted = payloads.find(isEncrypted);
      if (encrypted) throw new PayloadKeyUnknown(keyIdOf(encrypted) ?? '(none)', []);
      return payloads;
    }),
  );
  return router;
}
