// The Neo4j driver's connections send without delay (TCP_NODELAY): with Nagle's algorithm on, a
// Bolt request over one 1,400-byte chunk waited for the server's delayed ACK (40 ms a transaction).
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config';
import { createNeo4jDriver } from '../src/stores/neo4j';

describe('Neo4j driver connections', () => {
  it('turn Nagle off on the sockets to the Neo4j port, and only there', async (t) => {
    const config = loadConfig(process.env);
    const port = Number(new URL(config.NEO4J_URL).port || 7687);
    const calls: { port: number | undefined; noDelay: boolean | undefined }[] = [];
    const original = Socket.prototype.setNoDelay;
    t.mock.method(Socket.prototype, 'setNoDelay', function (this: Socket, noDelay?: boolean) {
      calls.push({ port: this.remotePort, noDelay });
      return original.call(this, noDelay);
    });
    const driver = createNeo4jDriver(config);
    try {
      const { records } = await driver.executeQuery(
        'RETURN size($text) AS n',
        { text: 'x'.repeat(10_000) },
        { database: config.NEO4J_DATABASE },
      );
      assert.equal(records[0]!.get('n'), 10_000);
    } finally {
      await driver.close();
    }
    assert.ok(
      calls.some((call) => call.port === port && call.noDelay === true),
      `setNoDelay(true) on a socket to port ${port}: ${JSON.stringify(calls)}`,
    );
    assert.ok(calls.every((call) => call.port === port));
  });
});
