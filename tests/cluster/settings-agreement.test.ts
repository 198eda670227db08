/**
 * An instance whose settings differ from the running cluster's refuses to join, naming each
 * setting, and never printing a secret (issue 20): behind a load balancer, another JWT_SECRET
 * means random 401s, other bet limits or games mean plays one instance takes and another refuses.
 */
import { describe, expect, it } from 'bun:test';
import Redis from 'ioredis';
import { clusterSettings, joinCluster, ClusterMismatchError } from '../../src/realtime/cluster-settings';
import { loadConfig } from '../../src/config';
import { useCluster } from '../support/cluster';
import { failedStart } from '../support/process';
import { ADMIN_AND_LIMITS, TEST_SECRET } from '../support/server';
import { startTestRedis } from '../support/redis';

const suite = useCluster(1);

const sameAsCluster = () => ({ DATABASE_URL: suite.cluster.databaseUrl, REDIS_URL: suite.cluster.redis.url, ...ADMIN_AND_LIMITS, LOG_LEVEL: 'warn' });

describe('joining a running cluster', () => {
  it('refuses another JWT_SECRET by fingerprint, never printing either secret', async () => {
    const other = 'another-secret-of-this-instance-only-0123456789';
    const { exitCode, stdout, stderr } = await failedStart({ ...sameAsCluster(), JWT_SECRET: other });
    const printed = stdout + stderr;
    expect(exitCode).toBe(78);
    expect(printed).toContain('JWT_SECRET differs');
    expect(printed).not.toContain(other);
    expect(printed).not.toContain(TEST_SECRET);
    expect(printed.trim().split('\n')).toHaveLength(1);
  }, 30_000);

  it('names each limit that differs with both values', async () => {
    const { exitCode, stderr, stdout } = await failedStart({ ...sameAsCluster(), MAX_BET: '500', PLAY_BURST: '7' });
    expect(exitCode).toBe(78);
    expect(stdout + stderr).toContain('MAX_BET is 500 here, 100000 in the running cluster');
    expect(stdout + stderr).toContain('PLAY_BURST is 7 here, 1000 in the running cluster');
  }, 30_000);

  it('lets an instance with the same settings join and serve', async () => {
    const instance = await suite.cluster.spawn();
    expect((await fetch(`${instance.url}/ready`)).status).toBe(200);
    await instance.stop();
  }, 30_000);
});

describe('the record of the cluster settings', () => {
  it('lapses after the last instance is gone, so the cluster can be restarted with new values', async () => {
    const redis = await startTestRedis();
    const client = new Redis(redis.url);
    try {
      const config = loadConfig({ JWT_SECRET: TEST_SECRET, MAX_BET: '100' });
      await joinCluster(client, clusterSettings(config), { leaseMs: 150 });
      const changed = clusterSettings(loadConfig({ JWT_SECRET: TEST_SECRET, MAX_BET: '200' }));
      const refused = await joinCluster(client, changed, { leaseMs: 150 }).catch((error) => error);
      expect(refused).toBeInstanceOf(ClusterMismatchError);
      expect((refused as ClusterMismatchError).differences.map((d) => d.name)).toEqual(['MAX_BET']);
      await Bun.sleep(300); // Redis's own expiry: no clock of ours to drive
      await joinCluster(client, changed, { leaseMs: 150 });
    } finally {
      client.disconnect();
      await redis.close();
    }
  }, 20_000);
});
