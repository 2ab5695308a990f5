// A graph update against a Neo4j that takes the connection and never answers (a server stopping
// or starting; the fault suite saw graph updates hang until their 30 s start-to-close timeout
// while Neo4j restarted) must fail fast with a retryable failure, so that Temporal retries the
// activity. Two loopback "servers" stand for the dead Neo4j: one that accepts TCP connections
// and never sends a byte, one that completes the Bolt handshake and then stays silent. The
// same update against the real Neo4j then succeeds, and running it twice adds nothing.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createProductStoreActivities } from '../src/activities/product-store';
import { createStackCheckActivities } from '../src/activities/stack-check';
import { toApplicationFailure } from '../src/errors';
import { createLogger } from '../src/observability/logger';
import { openInfrastructure, type Infrastructure } from '../src/runtime/infrastructure';
import { applySchema } from '../src/schema/apply';
import { createNeo4jDriver, GRAPH_CALL_TIMEOUT_MS } from '../src/stores/neo4j';
import { testConfig } from './support/world';

type Silence = 'tcp' | 'handshake' | 'query';
const SILENCES: Record<Silence, string> = {
  tcp: 'TCP accepted, never a byte',
  handshake: 'Bolt handshake answered, then silence',
  query: 'connected and logged in, then the query never answered',
};

/** A Bolt SUCCESS message (chunked) whose metadata names the server. */
function boltSuccess(): Buffer {
  const str = (text: string) => Buffer.concat([Buffer.from([0x80 + text.length]), Buffer.from(text)]);
  const body = Buffer.concat([Buffer.from([0xb1, 0x70, 0xa1]), str('server'), str('Neo4j/5.0.0')]);
  return Buffer.concat([Buffer.from([0, body.length]), body, Buffer.from([0, 0])]);
}

/** A loopback server that takes connections and at some point stops answering: at once
 *  (`tcp`), after the Bolt version handshake (`handshake`, version 5.0), or after answering
 *  every message with SUCCESS until the first RUN (`query`): a live connection whose query hangs. */
async function silentServer(silence: Silence): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    let handshaken = false;
    let silent = silence === 'tcp';
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      if (silent) return;
      if (!handshaken) {
        handshaken = true;
        socket.write(Buffer.from([0, 0, 0, 5]));
        if (silence === 'handshake') silent = true;
        chunk = chunk.subarray(20); // magic + four proposed versions
      }
      pending = Buffer.concat([pending, chunk]);
      // Messages: chunks of [length][bytes], ended by a zero-length chunk; the tag follows the struct marker.
      for (let offset = 0; ;) {
        let end = offset;
        let tag: number | undefined;
        while (end + 2 <= pending.length) {
          const length = pending.readUInt16BE(end);
          if (length === 0) break;
          tag ??= pending[end + 3];
          end += 2 + length;
        }
        if (end + 2 > pending.length || pending.readUInt16BE(end) !== 0) {
          pending = pending.subarray(offset);
          return;
        }
        offset = end + 2;
        if (tag === 0x10) {
          silent = true; // RUN: the query that never gets an answer
          return;
        }
        socket.write(boltSuccess());
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `bolt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('a graph update while Neo4j does not answer', () => {
  let infra: Infrastructure;
  const tenantId = `graph-outage-${randomUUID().slice(0, 8)}`;
  const productId = `${tenantId}-p1`;

  before(async () => {
    const config = testConfig();
    infra = await openInfrastructure(config, createLogger('error', 'test'));
    await applySchema(infra);
    await infra.pg.query(
      `INSERT INTO products (product_id, tenant_id, url, name, brand, category, fields) VALUES ($1, $2, $3, 'Linen towel', 'Weavers', 'Bath', '{}')`,
      [productId, tenantId, `https://shop.example/${productId}`],
    );
  });
  after(async () => {
    await infra.pg.query('DELETE FROM products WHERE tenant_id = $1', [tenantId]);
    await infra.neo4j.executeQuery('MATCH (n {tenantId: $tenantId}) DETACH DELETE n', { tenantId });
    await infra.close();
  });

  for (const silence of Object.keys(SILENCES) as Silence[]) {
    it(`fails with a retryable failure well before the start-to-close timeout (${SILENCES[silence]})`, async () => {
      const dead = await silentServer(silence);
      const driver = createNeo4jDriver({ NEO4J_URL: dead.url, NEO4J_USER: 'neo4j', NEO4J_PASSWORD: '' });
      const activities = createProductStoreActivities({ ...infra, neo4j: driver });
      const started = Date.now();
      try {
        const error = await activities.updateProductGraph({ productId }).then(
          () => assert.fail('the update succeeded against a server that never answers'),
          (failure: unknown) => failure,
        );
        const seconds = (Date.now() - started) / 1000;
        // What Temporal receives: one typed failure that it retries, whether the deadline cut the
        // call off or the driver gave up connecting.
        const failure = toApplicationFailure(error, 1);
        assert.ok(failure instanceof ApplicationFailure, String(error));
        assert.equal(failure.type, 'Neo4jUnavailable');
        assert.equal(failure.nonRetryable, false);
        // The storeWrite preset's start-to-close is 30 s; the call is bounded by the deadline.
        assert.ok(seconds < 30, `failed after ${seconds.toFixed(1)} s, not before the 30 s start-to-close timeout`);
        assert.ok(seconds <= GRAPH_CALL_TIMEOUT_MS / 1000 + 5, `failed after ${seconds.toFixed(1)} s`);
      } finally {
        await driver.close().catch(() => undefined);
        await dead.close();
      }
    });
  }

  it('a single-statement graph write (executeQuery) is bounded the same way: its query is aborted at the deadline', async () => {
    const dead = await silentServer('query');
    const driver = createNeo4jDriver({ NEO4J_URL: dead.url, NEO4J_USER: 'neo4j', NEO4J_PASSWORD: '' });
    const activities = createStackCheckActivities({ ...infra, neo4j: driver });
    const started = Date.now();
    try {
      const error = await activities.graphStackCheck({ checkId: `${tenantId}-check`, tenantId, note: 'hangs', workflowId: 'none' }).then(
        () => assert.fail('the write succeeded against a server that never answers'),
        (failure: unknown) => failure,
      );
      assert.equal((error as { type?: string }).type, 'Neo4jUnavailable', String(error));
      assert.ok((Date.now() - started) / 1000 < 30);
    } finally {
      await driver.close().catch(() => undefined);
      await dead.close();
    }
  });

  it('succeeds against the real Neo4j, and a retry adds no node or relationship', async () => {
    const activities = createProductStoreActivities(infra);
    await activities.updateProductGraph({ productId });
    await activities.updateProductGraph({ productId });
    const { records } = await infra.neo4j.executeQuery(
      `MATCH (p:Product {productId: $productId}) OPTIONAL MATCH (p)-[r]->() RETURN count(DISTINCT p) AS products, count(r) AS rels`,
      { productId },
    );
    assert.equal(Number(records[0]!.get('products')), 1);
    assert.equal(Number(records[0]!.get('rels')), 2); // MADE_BY Weavers, IN_CATEGORY Bath
  });
});
