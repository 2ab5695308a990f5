// The signed engagement push is rate-limited like the rest of the API, over loopback HTTP with
// PostgreSQL counting: per tenant after the signature check (shared by every replica), per client
// address before it — so pushes with bad signatures never use up a tenant's allowance. Refusals are
// 429 problem+json with Retry-After.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sign } from '../src/publishing/signing';
import { http, startWorld, type World } from './support/world';

const first = `push-a-${randomUUID().slice(0, 8)}`;
const second = `push-b-${randomUUID().slice(0, 8)}`;
const secrets = { [first]: `secret-a-${randomUUID()}`, [second]: `secret-b-${randomUUID()}` };

describe('engagement push rate limit', () => {
  let world: World;

  before(async () => {
    // A long window, so the test never straddles a window boundary.
    world = await startWorld(
      {
        ENGAGEMENT_PUSH_SECRETS: `${first}=${secrets[first]},${second}=${secrets[second]}`,
        RATE_LIMIT_ENGAGEMENT_PUSH: '3',
        RATE_LIMIT_CLIENT: '9',
        RATE_LIMIT_WINDOW_SECONDS: '3600',
      },
      { workers: false },
    );
  });
  after(async () => world?.stop());

  const push = (tenantId: string, secret = secrets[tenantId]!) => {
    const raw = JSON.stringify({
      events: [
        {
          eventId: randomUUID(),
          contentId: `c-${randomUUID()}`,
          platform: 'webhook',
          occurredAt: new Date().toISOString(),
          metrics: { views: 10, likes: 1 },
        },
      ],
    });
    return http(world.baseUrl, 'POST', `/v1/engagement/${tenantId}/events`, raw, {
      'content-type': 'application/json',
      'x-magicai-signature': sign(secret, raw),
    });
  };

  it('refuses a tenant over its limit with 429 problem+json and Retry-After; bad signatures do not count against it; the client limit caps the rest', async () => {
    for (let i = 1; i <= 3; i++) {
      const accepted = await push(first);
      assert.equal(accepted.status, 200, accepted.text);
      assert.equal(accepted.headers.get('ratelimit-remaining'), String(3 - i));
    }
    const refused = await push(first);
    assert.equal(refused.status, 429, refused.text);
    assert.match(refused.contentType, /application\/problem\+json/);
    assert.match(refused.json.detail, new RegExp(`engagement pushes of tenant ${first}`));
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3600, `Retry-After ${refused.headers.get('retry-after')}`);
    const { rows } = await world.infra.pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM engagement_events WHERE tenant_id = $1`, [
      first,
    ]);
    assert.equal(rows[0]!.n, 3, 'the refused push stored nothing');

    // Another tenant has its own allowance, which forged pushes cannot spend.
    assert.equal((await push(second)).status, 200);
    for (let i = 0; i < 2; i++) {
      const forged = await push(second, `wrong-secret-${randomUUID()}`);
      assert.equal(forged.status, 401, forged.text);
      assert.equal(forged.json.refusal, 'bad-signature');
    }
    assert.equal((await push(second)).status, 200, 'still within its limit after two forged pushes');

    // Before any signature check: the per-client limit (9 requests in this window, all spent now).
    assert.equal((await push(second)).status, 200);
    const capped = await push(second);
    assert.equal(capped.status, 429, capped.text);
    assert.match(capped.json.detail, /client/);
    assert.ok(Number(capped.headers.get('retry-after')) >= 1);
  });
});
