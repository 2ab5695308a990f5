// Neo4j 5: the product/content graph. Constraints are applied at start (IF NOT EXISTS).
import neo4j, { type Driver } from 'neo4j-driver';
import type { Config } from '../config';

export function createNeo4jDriver(config: Pick<Config, 'NEO4J_URL' | 'NEO4J_USER' | 'NEO4J_PASSWORD'>): Driver {
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
