/**
 * ClusterLimits' rate checks on a real Redis: checks made while one is under way go to Redis
 * together (one script call), and each still counts exactly as alone would: a key's burst is
 * its burst however the checks were grouped, in arrival order, and keys do not share tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import Redis from 'ioredis';
import { ClusterLimits } from '../../src/limits/cluster-limits';
import { startTestRedis, type TestRedis } from '../support/redis';

let redis: TestRedis;
let client: Redis;
let admin: Redis;

beforeAll(async () => {
  redis = await startTestRedis();
  client = new Redis(redis.url);
  admin = new Redis(redis.url);
});

afterAll(async () => {
  client.disconnect();
  admin.disconnect();
  await redis.close();
});

/** Script calls Redis has run (EVAL and EVALSHA), from INFO commandstats. */
async function scriptCalls(): Promise<number> {
  const stats = await admin.info('commandstats');
  let calls = 0;
  for (const match of stats.matchAll(/^cmdstat_(eval|evalsha):calls=(\d+)/gm)) calls += Number(match[2]);
  return calls;
}

describe('cluster rate checks', () => {
  it('sends the checks that come while one is under way in one script call, each counted as alone', async () => {
    const limits = new ClusterLimits(client, 'instance-a');
    await limits.rate('warm', 'up', 1, 1); // the script is loaded
    const before = await scriptCalls();
    // 60 checks at once: 20 for each of 3 keys, a burst of 5 at one token a minute.
    const keys = ['7', '8', '9'];
    const waits = await Promise.all(Array.from({ length: 60 }, (_, i) => limits.rate('play', keys[i % 3]!, 1 / 60, 5)));
    const calls = (await scriptCalls()) - before;
    expect(calls).toBeLessThanOrEqual(3);
    for (const [k] of keys.entries()) {
      const mine = waits.filter((_, i) => i % 3 === k);
      // The first 5 of each key's checks in arrival order get through, the rest wait.
      expect(mine.slice(0, 5)).toEqual([undefined, undefined, undefined, undefined, undefined]);
      for (const wait of mine.slice(5)) expect(wait).toBeGreaterThan(0);
    }
  });

  it('loads its script again when Redis forgot it (a restart): no check fails for it', async () => {
    const limits = new ClusterLimits(client, 'instance-b');
    expect(await limits.rate('reload', 'k', 1, 2)).toBeUndefined();
    await admin.script('FLUSH');
    expect(await limits.rate('reload', 'k', 1, 2)).toBeUndefined();
    expect(await limits.rate('reload', 'k', 1, 2)).toBeGreaterThan(0);
  });
});
