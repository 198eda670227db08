/**
 * CPU per PUBLISH of the broker's publishing connection, ioredis (as the broker had it, with
 * and without auto-pipelining) against Bun's RedisClient, alternating in one process: bursts of
 * `--batch` publishes in one tick (a group-commit batch), each burst awaited, 300-byte frames,
 * on a Redis of its own. Run: `bun bench/cluster/publish-clients.ts [--batch=16] [--rounds=5]`.
 */
import { RedisClient } from "bun";
import Redis from "ioredis";
import { loadavg } from "node:os";
import { startTestRedis } from "../../tests/support/redis.ts";

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const batch = arg("batch", 16);
const rounds = arg("rounds", 5);
const messages = 32_000;
const frame = "x".repeat(300);
const redis = await startTestRedis();
type Client = { name: string; publish: (channel: string, message: string) => Promise<unknown>; close: () => void };
const ioredis = (pipelined: boolean): Client => {
  const client = new Redis(redis.url, { enableAutoPipelining: pipelined });
  return { name: `ioredis${pipelined ? " auto-pipelined" : ""}`, publish: (c, m) => client.publish(c, m), close: () => client.disconnect() };
};
const bun = async (): Promise<Client> => {
  const client = new RedisClient(redis.url, { enableOfflineQueue: false });
  await client.connect();
  return { name: "Bun RedisClient", publish: (c, m) => client.publish(c, m), close: () => client.close() };
};
const clients = [ioredis(false), ioredis(true), await bun()];
for (const client of clients) await client.publish("warm", "up");
const cpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
const results = new Map<string, number[]>(clients.map((c) => [c.name, []]));
for (let round = 0; round < rounds; round++) {
  for (const client of clients) {
    const before = cpu();
    for (let sent = 0; sent < messages; sent += batch) {
      const burst: Promise<unknown>[] = [];
      for (let i = 0; i < batch; i++) burst.push(client.publish(`game-events:user:${i}`, frame));
      await Promise.all(burst);
    }
    results.get(client.name)!.push(((cpu() - before) * 1e6) / messages);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(results.get(clients[0]!.name)!);
console.log(`batch ${batch}, ${messages} publishes × ${rounds} rounds, load ${loadavg()[0]!.toFixed(1)}`);
for (const [name, values] of results) console.log(`${name.padEnd(24)} ${median(values).toFixed(2)} µs CPU per publish (${(median(values) / base).toFixed(2)}×)  [${values.map((v) => v.toFixed(1)).join(", ")}]`);
for (const client of clients) client.close();
await redis.close();
process.exit(0);
