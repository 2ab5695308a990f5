// Neo4j 5: the product/content graph. Constraints are applied at start (IF NOT EXISTS).
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import neo4j, { type Driver } from 'neo4j-driver';
import type { Config } from '../config';

const noDelayPorts = new Set<number>();

/**
 * The driver writes a Bolt message in 1,400-byte chunks, one socket write each, on a socket with
 * Nagle's algorithm on: any request over one chunk (an UNWIND of a few rows) waited for the
 * server's delayed ACK, 40 ms per transaction on Linux. The driver has no option for
 * TCP_NODELAY, so it is set on every TCP connection this process opens to the Neo4j port
 * (Node's `net.client.socket` channel reports each new client socket).
 */
function sendWithoutDelay(port: number): void {
  if (noDelayPorts.size === 0) {
    subscribe('net.client.socket', (message) => {
      const { socket } = message as { socket: Socket };
      socket.once('connect', () => {
        if (socket.remotePort !== undefined && noDelayPorts.has(socket.remotePort)) socket.setNoDelay(true);
      });
    });
  }
  noDelayPorts.add(port);
}

export function createNeo4jDriver(config: Pick<Config, 'NEO4J_URL' | 'NEO4J_USER' | 'NEO4J_PASSWORD'>): Driver {
  sendWithoutDelay(Number(new URL(config.NEO4J_URL).port || 7687));
  const auth = config.NEO4J_PASSWORD ? neo4j.auth.basic(config.NEO4J_USER, config.NEO4J_PASSWORD) : undefined;
  return neo4j.driver(config.NEO4J_URL, auth, {
    connectionTimeout: 5_000,
    // Temporal owns retries: a write that cannot reach Neo4j fails within its activity's
    // start-to-close (30 s) instead of retrying inside the driver for 30 s (the default), which
    // the fault suite saw time out graph updates on start-to-close during a Neo4j outage.
    maxTransactionRetryTime: 5_000,
    maxConnectionPoolSize: 50,
    disableLosslessIntegers: true,
  });
}

const constraints = [
  'CREATE CONSTRAINT stack_check_id IF NOT EXISTS FOR (c:StackCheck) REQUIRE c.checkId IS UNIQUE',
  'CREATE CONSTRAINT product_id IF NOT EXISTS FOR (p:Product) REQUIRE p.productId IS UNIQUE',
  'CREATE CONSTRAINT brand_key IF NOT EXISTS FOR (b:Brand) REQUIRE (b.tenantId, b.name) IS UNIQUE',
  'CREATE CONSTRAINT competitor_product_id IF NOT EXISTS FOR (p:CompetitorProduct) REQUIRE p.researchProductId IS UNIQUE',
  'CREATE CONSTRAINT category_key IF NOT EXISTS FOR (c:Category) REQUIRE (c.tenantId, c.name) IS UNIQUE',
];

export async function applyNeo4jConstraints(driver: Driver, database: string): Promise<void> {
  for (const statement of constraints) {
    await driver.executeQuery(statement, {}, { database });
  }
}
