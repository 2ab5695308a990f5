// Outages the fault suite (`npm run faults`) found answered with 500 instead of 503: search
// while the model server is down (the API embeds the query) and while Elasticsearch is starting
// (it answers 503 itself: no shard available yet). Both are now 503 problem+json with
// Retry-After and the dependency named, like the other outages (tests/postgres-outage.test.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { errors } from '@elastic/elasticsearch';
import { ApplicationFailure } from '@temporalio/common';
import { dependencyUnavailable } from '../src/stores/availability';
import { LlmErrorType } from '../src/llm/error-types';
import { neo4jUnavailable } from '../src/stores/neo4j';
import { freePort } from './support/ports';
import { actAs, http, startWorld, tokenFor, type World } from './support/world';

describe('dependency outages seen by the API', () => {
  it('Elasticsearch answering 503 or 429 (starting, overloaded) is the dependency being unavailable; its 4xx are not', () => {
    const esAnswer = (statusCode: number, type: string) =>
      new errors.ResponseError({
        body: { error: { type, reason: type }, status: statusCode },
        statusCode,
        headers: {},
        warnings: null,
        meta: {} as never,
      });
    assert.equal(dependencyUnavailable(esAnswer(503, 'search_phase_execution_exception')), 'Elasticsearch');
    assert.equal(dependencyUnavailable(esAnswer(429, 'es_rejected_execution_exception')), 'Elasticsearch');
    assert.equal(dependencyUnavailable(esAnswer(400, 'parsing_exception')), undefined);
    assert.equal(dependencyUnavailable(esAnswer(404, 'index_not_found_exception')), undefined);
  });

  it('an unreachable, timing out, failing or rate-limiting model server is unavailable; a refused request is not', () => {
    for (const type of [LlmErrorType.Unreachable, LlmErrorType.Timeout, LlmErrorType.ServerError, LlmErrorType.RateLimited]) {
      assert.equal(dependencyUnavailable(ApplicationFailure.retryable('down', type)), 'the model server', type);
    }
    assert.equal(dependencyUnavailable(ApplicationFailure.nonRetryable('no', LlmErrorType.BadRequest)), undefined);
    assert.equal(dependencyUnavailable(new Error('a bug')), undefined);
  });

  it('a graph call past its deadline (Neo4jUnavailable) is Neo4j being unavailable', () => {
    assert.equal(dependencyUnavailable(neo4jUnavailable(10_000)), 'Neo4j');
  });

  describe('search while the embeddings endpoint is down', () => {
    let world: World;
    before(async () => {
      // Nothing listens on this port: the model server is down.
      world = await startWorld({ EMBEDDINGS_BASE_URL: `http://127.0.0.1:${await freePort()}/v1` }, { workers: false });
      actAs(
        world.baseUrl,
        await tokenFor(world.config, { sub: 'searcher', tenant: `outage-${randomUUID().slice(0, 8)}`, roles: ['editor'] }),
      );
    });
    after(async () => world?.stop());

    it('hybrid and kNN search answer 503 problem+json with Retry-After, naming the model server', async () => {
      for (const path of ['/v1/search/products?q=towel', '/v1/search/content?q=linen&mode=knn']) {
        const response = await http(world.baseUrl, 'GET', path);
        assert.equal(response.status, 503, `${path}: ${response.text}`);
        assert.match(response.contentType, /application\/problem\+json/);
        assert.equal(response.json.dependency, 'the model server');
        assert.ok(Number(response.headers.get('retry-after')) > 0);
      }
    });

    it('text search, which needs no embedding, still answers', async () => {
      const response = await http(world.baseUrl, 'GET', '/v1/search/products?q=towel&mode=text');
      assert.equal(response.status, 200, response.text);
    });
  });
});
