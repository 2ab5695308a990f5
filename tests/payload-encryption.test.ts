// Payloads at rest: with PAYLOAD_ENCRYPTION_KEYS set, what Temporal stores is AES-GCM ciphertext
// that names its key; the codec server gives operators (and only them) the plain text back,
// keys rotate without losing old histories, and the Temporal CLI reads through the codec server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { decodeOptionalFailureToOptionalError, encodeErrorToFailure } from '@temporalio/common/lib/internal-non-workflow';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/data-converter-helpers';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { ConfigError, loadConfig } from '../src/config';
import { createTemporalClient } from '../src/temporal/client';
import { payloadCodecFor, temporalDataConverter } from '../src/temporal/data-converter';
import {
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  PayloadDecryptionFailed,
  PayloadEncryptionCodec,
  PayloadKeyUnknown,
  keyIdOf,
} from '../src/temporal/payload-encryption';
import { taskQueues } from '../src/temporal/task-queues';
import { productItemWorkflow } from '../src/workflows/product-item';
import { stackCheckWorkflow, stackCheckWorkflowId } from '../src/workflows/stack-check';
import { bearer, eventually, http, startWorld, tokenFor, type World } from './support/world';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const keyring = `ka:${keyA.toString('base64')},kb:${keyB.toString('base64')}`;
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const toWire = (payload: Payload) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
  data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
});
const fromWire = (payload: { metadata: Record<string, string>; data: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
  data: Buffer.from(payload.data, 'base64'),
});

/** Every payload of a history, outside the search attributes (which visibility must read in plain text). */
function payloadsOf(node: unknown, found: Payload[] = []): Payload[] {
  if (Array.isArray(node)) node.forEach((item) => payloadsOf(item, found));
  else if (node && typeof node === 'object' && !(node instanceof Uint8Array)) {
    const record = node as Record<string, unknown>;
    if (record.metadata && typeof record.metadata === 'object' && 'data' in record) found.push(record);
    else for (const [key, value] of Object.entries(record)) if (key !== 'searchAttributes') payloadsOf(value, found);
  }
  return found;
}

describe('payload codec (no services)', () => {
  const codec = new PayloadEncryptionCodec(
    [
      { id: 'ka', key: keyA },
      { id: 'kb', key: keyB },
    ],
    'kb',
  );

  it('encrypts each payload with a fresh IV under the current key and decrypts it back whole', async () => {
    const plain = defaultPayloadConverter.toPayload({ secret: 'open sesame' });
    const [first, second] = await codec.encode([plain, plain]);
    assert.equal(text(first!.metadata!.encoding), ENCRYPTED_ENCODING);
    assert.equal(keyIdOf(first!), 'kb');
    assert.notDeepEqual(first!.data, second!.data, 'same plaintext, different ciphertext (random IV)');
    assert.ok(!Buffer.from(first!.data!).includes('open sesame'));
    const [back] = await codec.decode([first!]);
    assert.equal(text(back!.metadata!.encoding), 'json/plain');
    assert.deepEqual(defaultPayloadConverter.fromPayload(back!), { secret: 'open sesame' });
  });

  it('passes plain payloads through on decode (histories from before encryption stay readable)', async () => {
    const plain = defaultPayloadConverter.toPayload('before');
    assert.deepEqual(await codec.decode([plain]), [plain]);
  });

  it('refuses an unknown key id and tampered ciphertext with typed errors', async () => {
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload('x')]);
    const onlyA = new PayloadEncryptionCodec([{ id: 'ka', key: keyA }], 'ka');
    await assert.rejects(
      onlyA.decode([sealed!]),
      (error: unknown) => error instanceof PayloadKeyUnknown && error.keyId === 'kb' && /"kb"/.test(error.message),
    );
    const tampered = { ...sealed!, data: Buffer.from(sealed!.data!).map((byte, i) => (i === 20 ? byte ^ 1 : byte)) };
    await assert.rejects(
      codec.decode([tampered]),
      (error: unknown) => error instanceof PayloadDecryptionFailed && error.type === 'PayloadDecryptionFailed',
    );
    // Relabelling a payload with another key id of the ring fails authentication too.
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: Buffer.from('ka') } };
    await assert.rejects(codec.decode([relabelled]), PayloadDecryptionFailed);
  });

  it('is off without keys, and malformed keys stop the boot naming the variable but never the key', () => {
    assert.equal(payloadCodecFor(loadConfig({})), undefined);
    assert.deepEqual(temporalDataConverter(loadConfig({})), {});
    const secret = randomBytes(16).toString('base64'); // 16 bytes: AES-128, not accepted
    for (const [env, variable, pattern] of [
      [
        { PAYLOAD_ENCRYPTION_KEYS: `ka:${secret}`, PAYLOAD_ENCRYPTION_KEY_ID: 'ka' },
        'PAYLOAD_ENCRYPTION_KEYS',
        /entry "ka" must be <id>:<base64 of exactly 32 bytes>/,
      ],
      [{ PAYLOAD_ENCRYPTION_KEYS: `ka${keyA.toString('base64')}`, PAYLOAD_ENCRYPTION_KEY_ID: 'ka' }, 'PAYLOAD_ENCRYPTION_KEYS', /entry #1/],
      [
        { PAYLOAD_ENCRYPTION_KEYS: `ka:${keyA.toString('base64')},ka:${keyB.toString('base64')}`, PAYLOAD_ENCRYPTION_KEY_ID: 'ka' },
        'PAYLOAD_ENCRYPTION_KEYS',
        /unique/,
      ],
      [{ PAYLOAD_ENCRYPTION_KEYS: keyring }, 'PAYLOAD_ENCRYPTION_KEY_ID', /must name the key that encrypts/],
      [{ PAYLOAD_ENCRYPTION_KEYS: keyring, PAYLOAD_ENCRYPTION_KEY_ID: 'kc' }, 'PAYLOAD_ENCRYPTION_KEY_ID', /names no key.*ka, kb/],
      [{ PAYLOAD_ENCRYPTION_KEY_ID: 'ka' }, 'PAYLOAD_ENCRYPTION_KEY_ID', /PAYLOAD_ENCRYPTION_KEYS is empty/],
    ] as const) {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.deepEqual(
            error.issues.map((issue) => issue.variable),
            [variable],
          );
          assert.match(error.message, pattern);
          for (const value of [secret, keyA.toString('base64'), keyB.toString('base64')])
            assert.ok(!error.message.includes(value), 'key material is never printed');
          return true;
        },
      );
    }
  });

  it('puts failure messages and stack traces inside the encrypted payload', async () => {
    const converter = loadDataConverter(
      temporalDataConverter(loadConfig({ PAYLOAD_ENCRYPTION_KEYS: keyring, PAYLOAD_ENCRYPTION_KEY_ID: 'ka' })),
    );
    const failure = await encodeErrorToFailure(converter, new Error('card 4111 1111 1111 1111 was declined'));
    const stored = Buffer.from(temporal.api.failure.v1.Failure.encode(failure).finish());
    assert.ok(!stored.includes('4111'), 'the stored failure carries no plain message');
    assert.equal(keyIdOf(failure.encodedAttributes!), 'ka');
    const error = await decodeOptionalFailureToOptionalError(converter, failure);
    assert.equal(error?.message, 'card 4111 1111 1111 1111 was declined');
  });
});

describe('payloads at rest with the real stack', () => {
  let world: World;
  let raw: Client; // no codec: sees what the server stores
  let operator: Record<string, string>;
  let admin: Record<string, string>;
  const tenant = `enc-${randomUUID().slice(0, 6)}`;
  const marker = `plaintext-marker-${randomUUID()}`;
  let checkId: string;
  let startedPayloads: Payload[];
  let resultPayloads: Payload[];

  before(async () => {
    world = await startWorld({ PAYLOAD_ENCRYPTION_KEYS: keyring, PAYLOAD_ENCRYPTION_KEY_ID: 'ka' });
    raw = new Client({
      connection: await Connection.connect({ address: world.config.TEMPORAL_ADDRESS }),
      namespace: world.config.TEMPORAL_NAMESPACE,
    });
    operator = bearer(await tokenFor(world.config, { sub: 'olga', tenant: 'platform', roles: ['operator'] }));
    admin = bearer(await tokenFor(world.config, { sub: 'ada', tenant, roles: ['admin'] }));
  });
  after(async () => {
    await raw?.connection.close();
    await world?.stop();
  });

  const rawHistory = async (workflowId: string) => raw.workflow.getHandle(workflowId).fetchHistory();
  const decodeOverHttp = (payloads: Payload[], headers: Record<string, string> = operator) =>
    http(
      world.baseUrl,
      'POST',
      '/codec/decode',
      { payloads: payloads.map(toWire) },
      { 'x-namespace': world.config.TEMPORAL_NAMESPACE, ...headers },
    );

  it('stores the input and result of a workflow started over the API as ciphertext naming the key', async () => {
    checkId = `enc-${randomUUID()}`;
    const started = await http(world.baseUrl, 'POST', '/v1/stack-checks', { checkId, note: marker }, admin);
    assert.equal(started.status, 202, started.text);
    // The service's own client decrypts: the result reads as usual.
    const result = await world.infra.temporal.workflow.getHandle(started.json.workflowId as string).result();
    assert.equal((result as { checkId: string }).checkId, checkId);

    const history = await rawHistory(started.json.workflowId as string);
    const stored = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    assert.ok(!stored.includes(marker), 'the plain note occurs nowhere in the stored history');
    const events = history.events ?? [];
    startedPayloads = events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
    resultPayloads = events.find((event) => event.workflowExecutionCompletedEventAttributes)!.workflowExecutionCompletedEventAttributes!
      .result!.payloads!;
    const all = payloadsOf(history.events);
    assert.ok(all.length >= 8, `inputs and results of the workflow and its three activities (${all.length} payloads)`);
    for (const payload of all) {
      assert.equal(text(payload.metadata?.encoding), ENCRYPTED_ENCODING);
      assert.equal(text(payload.metadata?.[KEY_ID_METADATA]), 'ka');
    }
  });

  it('gives an operator the plain payloads through the codec server, and refuses everyone else', async () => {
    const decoded = await decodeOverHttp([...startedPayloads, ...resultPayloads]);
    assert.equal(decoded.status, 200, decoded.text);
    const [input, result] = (decoded.json.payloads as { metadata: Record<string, string>; data: string }[]).map(fromWire);
    assert.equal(text(input!.metadata!.encoding), 'json/plain');
    assert.deepEqual(defaultPayloadConverter.fromPayload(input!), { checkId, tenantId: tenant, note: marker });
    assert.equal(defaultPayloadConverter.fromPayload<{ checkId: string }>(result!).checkId, checkId);

    const anonymous = await http(world.baseUrl, 'POST', '/codec/decode', { payloads: startedPayloads.map(toWire) });
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.contentType, /^application\/problem\+json/);
    assert.ok(!anonymous.text.includes(marker));
    for (const who of [admin, bearer(await tokenFor(world.config, { sub: 'eve', tenant, roles: ['editor', 'reviewer'] }))]) {
      const refused = await decodeOverHttp(startedPayloads, who);
      assert.equal(refused.status, 403, refused.text);
      assert.match(refused.contentType, /^application\/problem\+json/);
      assert.ok(!refused.text.includes(marker));
    }
    const forged = await decodeOverHttp(startedPayloads, { authorization: 'Bearer not.a.token' });
    assert.equal(forged.status, 401);
  });

  it("encodes for the UI, answers the Temporal UI origin's preflight, and rejects bad bodies and unknown keys with problems", async () => {
    const plain = defaultPayloadConverter.toPayload({ signal: 'from the UI' });
    const encoded = await http(world.baseUrl, 'POST', '/codec/encode', { payloads: [toWire(plain)] }, operator);
    assert.equal(encoded.status, 200, encoded.text);
    const sealed = fromWire(encoded.json.payloads[0]);
    assert.equal(keyIdOf(sealed), 'ka');
    assert.deepEqual(
      defaultPayloadConverter.fromPayload((await world.infra.temporal.options.loadedDataConverter.payloadCodecs[0]!.decode([sealed]))[0]!),
      { signal: 'from the UI' },
    );

    const uiOrigin = new URL(world.config.TEMPORAL_UI_URL).origin;
    const preflight = await fetch(`${world.baseUrl}/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: uiOrigin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, x-namespace',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), uiOrigin);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization.*X-Namespace/);
    const elsewhere = await fetch(`${world.baseUrl}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(elsewhere.status, 405);
    assert.equal(elsewhere.headers.get('access-control-allow-origin'), null);
    const fromUi = await http(
      world.baseUrl,
      'POST',
      '/codec/decode',
      { payloads: startedPayloads.map(toWire) },
      { ...operator, origin: uiOrigin },
    );
    assert.equal(fromUi.headers.get('access-control-allow-origin'), uiOrigin);

    for (const body of [{ payloads: [{ data: 'not base64!' }] }, { payloads: [], extra: 1 }, { nope: [] }]) {
      const bad = await http(world.baseUrl, 'POST', '/codec/decode', body, operator);
      assert.equal(bad.status, 400, `${JSON.stringify(body)} → ${bad.text}`);
    }
    const foreign = await new PayloadEncryptionCodec([{ id: 'kz', key: randomBytes(32) }], 'kz').encode([plain]);
    const unknown = await decodeOverHttp(foreign);
    assert.equal(unknown.status, 422, unknown.text);
    assert.equal(unknown.json.codecError, 'PayloadKeyUnknown');
    assert.equal(unknown.json.keyId, 'kz');
    const wrongMethod = await http(world.baseUrl, 'GET', '/codec/decode', undefined, operator);
    assert.equal(wrongMethod.status, 405);
  });

  it('stores failure messages and details encrypted too (an activity refusing a private address)', async () => {
    const failMarker = `failure-marker-${randomUUID()}`;
    const handle = await world.infra.temporal.workflow.start(productItemWorkflow, {
      workflowId: `enc-item-${randomUUID()}`,
      taskQueue: taskQueues(world.config).default,
      args: [
        {
          listId: 'enc-list',
          tenantId: tenant,
          itemKey: 'k1',
          url: `http://10.255.255.1/${failMarker}`,
          options: { concurrency: 1, stages: ['fetch', 'extract', 'store'], llm: false, dryRun: true },
        },
      ],
    });
    try {
      const failed = await eventually(
        async () => (await rawHistory(handle.workflowId)).events?.find((event) => event.activityTaskFailedEventAttributes),
        60_000,
        'the fetch to be refused',
      );
      const failure = failed.activityTaskFailedEventAttributes!.failure!;
      assert.equal(failure.applicationFailureInfo?.type, 'UrlBlocked', 'the type stays readable (retry policies need it)');
      assert.ok(!failure.message?.includes(failMarker) && !failure.stackTrace?.includes(failMarker));
      const stored = Buffer.from(temporal.api.history.v1.History.encode(await rawHistory(handle.workflowId)).finish());
      assert.ok(!stored.includes(failMarker), 'neither the message nor the details carry the URL in plain text');
      assert.equal(keyIdOf(failure.encodedAttributes!), 'ka');
      const decoded = await decodeOverHttp([failure.encodedAttributes!]);
      assert.equal(decoded.status, 200, decoded.text);
      const attributes = defaultPayloadConverter.fromPayload<{ message: string }>(fromWire(decoded.json.payloads[0]));
      assert.match(attributes.message, new RegExp(`refusing to fetch http://10\\.255\\.255\\.1/${failMarker}`));
    } finally {
      await handle.terminate('test done').catch(() => undefined);
    }
  });

  it('stores the arguments of a Temporal Schedule encrypted (the schedule path uses the same client)', async () => {
    const scheduleId = `enc-schedule-${randomUUID()}`;
    const handle = await world.infra.temporal.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1 hour' }] },
      state: { paused: true },
      action: {
        type: 'startWorkflow',
        workflowType: stackCheckWorkflow,
        taskQueue: taskQueues(world.config).default,
        args: [{ checkId: 'scheduled', tenantId: tenant, note: `${marker}-scheduled` }],
      },
    });
    try {
      const described = await raw.connection.workflowService.describeSchedule({ namespace: world.config.TEMPORAL_NAMESPACE, scheduleId });
      const input = described.schedule!.action!.startWorkflow!.input!.payloads!;
      assert.equal(keyIdOf(input[0]!), 'ka');
      assert.ok(!Buffer.from(temporal.api.workflowservice.v1.DescribeScheduleResponse.encode(described).finish()).includes(marker));
      const seen = await handle.describe(); // the service's client reads it back in plain text
      assert.equal((seen.action as { args: { note: string }[] }).args[0]!.note, `${marker}-scheduled`);
    } finally {
      await handle.delete().catch(() => undefined);
    }
  });

  it('rotates: after the current key becomes B, runs written under A still decode and new ones use B', async () => {
    const rotated = { ...world.config, PAYLOAD_ENCRYPTION_KEY_ID: 'kb' };
    const clientB = await createTemporalClient(rotated);
    try {
      // A history written under A, read by a client whose current key is B.
      const old = await clientB.workflow.getHandle(stackCheckWorkflowId(checkId)).result();
      assert.equal((old as { checkId: string }).checkId, checkId);

      const newCheck = `enc-b-${randomUUID()}`;
      const handle = await clientB.workflow.start(stackCheckWorkflow, {
        workflowId: stackCheckWorkflowId(newCheck),
        taskQueue: taskQueues(world.config).default,
        args: [{ checkId: newCheck, tenantId: tenant, note: `${marker}-b` }],
      });
      await handle.result();
      const history = await rawHistory(handle.workflowId);
      assert.equal(keyIdOf(history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!), 'kb');

      // Once every process has B as current key, A can only go when no history needs it:
      // a codec without A refuses A's payloads with a typed error.
      const withoutA = payloadCodecFor({ PAYLOAD_ENCRYPTION_KEYS: [{ id: 'kb', key: keyB }], PAYLOAD_ENCRYPTION_KEY_ID: 'kb' })!;
      await assert.rejects(
        withoutA.decode(startedPayloads),
        (error: unknown) => error instanceof PayloadKeyUnknown && error.keyId === 'ka',
      );
    } finally {
      await clientB.connection.close();
    }
  });

  it("replays an encrypted history with the service's data converter", async () => {
    const history = await rawHistory(stackCheckWorkflowId(checkId));
    await Worker.runReplayHistory(
      { workflowsPath: require.resolve('../src/workflows'), dataConverter: temporalDataConverter(world.config) },
      history,
      stackCheckWorkflowId(checkId),
    );
  });

  it(
    'lets the temporal CLI show plain payloads through the codec server',
    { skip: !process.env.TEMPORAL_CLI_PATH && !process.env.CI && 'no temporal CLI' },
    async () => {
      const cli = process.env.TEMPORAL_CLI_PATH ?? 'temporal';
      // Asynchronously: the codec server the CLI calls runs in this very process.
      const show = async (extra: string[]) =>
        (
          await promisify(execFile)(
            cli,
            [
              'workflow',
              'show',
              '--address',
              world.config.TEMPORAL_ADDRESS,
              '--namespace',
              world.config.TEMPORAL_NAMESPACE,
              '--workflow-id',
              stackCheckWorkflowId(checkId),
              '--output',
              'json',
              ...extra,
            ],
            { encoding: 'utf8', timeout: 120_000 },
          )
        ).stdout;
      const inputOf = (output: string) =>
        fromWire(
          (
            JSON.parse(output) as {
              events: {
                workflowExecutionStartedEventAttributes: { input: { payloads: { metadata: Record<string, string>; data: string }[] } };
              }[];
            }
          ).events[0]!.workflowExecutionStartedEventAttributes.input.payloads[0]!,
        );
      // The history as JSON (payload bytes in base64), decoded by the CLI through the codec server.
      const plain = inputOf(await show(['--codec-endpoint', `${world.baseUrl}/codec`, '--codec-auth', operator.authorization!]));
      assert.equal(text(plain.metadata?.encoding), 'json/plain');
      assert.equal(defaultPayloadConverter.fromPayload<{ note: string }>(plain).note, marker);
      const without = inputOf(await show([]));
      assert.equal(text(without.metadata?.encoding), ENCRYPTED_ENCODING, 'without the codec server the CLI sees ciphertext');
      assert.ok(!Buffer.from(without.data!).includes(marker));
    },
  );
});
