// docker-compose.yml cannot run here (no Docker engine); check that it parses, names every
// service of the local stack plus the API and worker, and wires the app to the stores.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../src/config';

const compose = parse(readFileSync(path.join(__dirname, '..', 'docker-compose.yml'), 'utf8'), { merge: true });

describe('docker-compose.yml', () => {
  it('names every service with an official image or the project build', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['api', 'elasticsearch', 'neo4j', 'postgres', 'temporal', 'worker']);
    assert.match(compose.services.temporal.image, /^temporalio\/temporal:/);
    assert.match(compose.services.postgres.image, /^postgres:15/);
    assert.match(compose.services.elasticsearch.image, /^docker\.elastic\.co\/elasticsearch\/elasticsearch:8\./);
    assert.match(compose.services.neo4j.image, /^neo4j:5\./);
    for (const app of ['api', 'worker']) {
      assert.equal(compose.services[app].build.dockerfile, 'deploy/Dockerfile');
      readFileSync(path.join(__dirname, '..', compose.services[app].build.dockerfile)); // exists
    }
  });

  it('gives the API and worker an environment that passes config validation and points at the services', () => {
    for (const app of ['api', 'worker']) {
      const config = loadConfig(compose.services[app].environment);
      assert.equal(config.TEMPORAL_ADDRESS, 'temporal:7233');
      assert.match(config.DATABASE_URL, /@postgres:5432\//);
      assert.equal(config.ELASTICSEARCH_URL, 'http://elasticsearch:9200');
      assert.equal(config.NEO4J_URL, 'bolt://neo4j:7687');
      assert.deepEqual(Object.keys(compose.services[app].depends_on).sort(), ['elasticsearch', 'neo4j', 'postgres', 'temporal']);
    }
  });

  it('binds published ports to loopback only', () => {
    for (const [name, service] of Object.entries<any>(compose.services)) {
      for (const mapping of service.ports ?? []) assert.match(mapping, /^127\.0\.0\.1:/, `${name}: ${mapping}`);
    }
  });
});
