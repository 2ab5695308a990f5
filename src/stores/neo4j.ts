// Neo4j 5: the product/content graph. Constraints are applied at start (IF NOT EXISTS).
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import neo4j, { type Driver, type Session } from 'neo4j-driver';
import type { Config } from '../config';
import { permanent, transient } from '../errors';

/** How long one graph call may take before it is given up as "Neo4j unavailable" (a retryable
 *  failure, so Temporal retries the activity). The writes are idempotent MERGEs: a retry is safe. */
export const GRAPH_CALL_TIMEOUT_MS = 10_000;

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
    // A pool waiting on connections that hang (a server stopping or starting) gives up soon,
    // not after the default minute.
    connectionAcquisitionTimeout: 8_000,
    // Temporal owns retries: a write that cannot reach Neo4j fails within its activity's
    // start-to-close (30 s) instead of retrying inside the driver for 30 s (the default), which
    // the fault suite saw time out graph updates on start-to-close during a Neo4j outage.
    maxTransactionRetryTime: 5_000,
    maxConnectionPoolSize: 50,
    disableLosslessIntegers: true,
  });
}

/** The error a graph call that ran out of time ends with: retryable, typed. */
export const neo4jUnavailable = (timeoutMs: number) =>
  transient('Neo4jUnavailable', `Neo4j did not answer within ${Math.round(timeoutMs / 1000)} s`, { timeoutMs });

/** The driver's ways of saying "cannot reach Neo4j now": no connection, a dropped session, or
 *  no connection acquired in time (that one carries no code). */
function unreachable(error: unknown): boolean {
  const { name, code, message } = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  if (name !== 'Neo4jError') return false;
  return code === 'ServiceUnavailable' || code === 'SessionExpired' || /acquisition timed out/i.test(String(message));
}

/**
 * Neo4j turning down the data itself: a statement or schema rule the row breaks (a value too
 * large to index, a wrong type, a constraint). No retry changes that, unlike a Neo4j that is
 * down or busy (`Neo4jUnavailable`, transient errors), which the activity's retries wait out.
 */
export function refusedByNeo4j(error: unknown): boolean {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  if (name !== 'Neo4jError' || typeof code !== 'string') return false;
  return /^Neo\.ClientError\.(Statement|Schema)\./.test(code) || code === 'Neo.DatabaseError.Statement.ExecutionFailed';
}

/** A row Neo4j refused, as the final failure of the product's graph write. */
export const graphRejected = (error: Error) => permanent('GraphRejected', `Neo4j refused the product: ${error.message.slice(0, 500)}`);

/**
 * Runs one graph call with a hard deadline. The driver's own timeouts cover connecting and
 * acquiring a connection, but not a connection that was established and then never answers (a
 * server stopping or starting, seen in the fault suite: graph updates hung until their 30 s
 * start-to-close timeout while Neo4j restarted). Past the deadline the call fails with a
 * retryable `Neo4jUnavailable`, as does a call the driver could not connect for; the abandoned
 * call settles on its own when the socket closes.
 */
export async function boundedGraphCall<T>(work: (signal: AbortSignal) => Promise<T>, timeoutMs = GRAPH_CALL_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const abort = new AbortController();
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(neo4jUnavailable(timeoutMs));
      abort.abort(); // executeQuery takes the signal and cancels its query and session
    }, timeoutMs);
  });
  try {
    return await Promise.race([work(abort.signal), deadline]);
  } catch (error) {
    if (!unreachable(error)) throw error;
    throw Object.assign(transient('Neo4jUnavailable', `Neo4j is unreachable: ${(error as Error).message}`), { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** One session for `work`, bounded by `boundedGraphCall`; a session whose call ran out of time
 *  is closed without waiting for it (closing waits for the hung transaction). Transactions also
 *  carry the deadline as their server-side timeout. */
export async function withGraphSession<T>(
  driver: Driver,
  database: string,
  work: (session: Session, txConfig: { timeout: number }) => Promise<T>,
  timeoutMs = GRAPH_CALL_TIMEOUT_MS,
): Promise<T> {
  const session = driver.session({ database });
  let timedOut = false;
  try {
    return await boundedGraphCall(() => work(session, { timeout: timeoutMs }), timeoutMs).catch((error: unknown) => {
      timedOut = (error as { type?: string }).type === 'Neo4jUnavailable';
      throw error;
    });
  } finally {
    if (timedOut) void session.close().catch(() => undefined);
    else await session.close();
  }
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
