/**
 * What each instance takes from Redis per play made in the cluster, with routing by interest
 * (src/realtime/interest.ts), on 1, 2 and 4 light instances sharing one PostgreSQL and one Redis.
 *
 *   bun bench/cluster/interest.ts [--users=12] [--plays=20]
 *
 * Users' sockets are spread over the instances but the last (with 4 instances it holds none: a
 * bystander), and each user plays through the next instance, so most plays are made where their
 * player's socket is not. Two rounds: without monitors, then with one monitor on the first
 * instance. Each instance's games_broker_messages_received_total{kind="user"} before and after,
 * divided by the plays of the round, is its inbound messages per cluster play. Before routing by
 * interest every instance took 2 per play (the event, then the balance update), whatever it held.
 */
import { startCluster } from '../../tests/support/cluster';
import { api } from '../../tests/support/client';
import { openMonitor, openUserSocket, type TestSocket } from '../../tests/support/socket';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const USERS = arg('users', 12);
const PLAYS = arg('plays', 20);

async function received(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^games_broker_messages_received_total\{kind="user"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

type Row = { instances: number; instance: number; users: number; monitor: boolean; perPlay: number };
const rows: Row[] = [];

for (const count of [1, 2, 4]) {
  const cluster = await startCluster(count, { LOG_LEVEL: 'error', WS_MAX_SOCKETS_PER_USER: '100', WS_USER_OPEN_BURST: '1000', WS_ADDRESS_OPEN_BURST: '100000' });
  const sockets: TestSocket[] = [];
  try {
    const clients = cluster.instances.map((instance) => api(instance.url));
    const users = await Promise.all(Array.from({ length: USERS }, () => clients[0]!.signup('bench')));
    // Sockets on every instance but the last when there are 4 (a bystander); all on the one otherwise.
    const holders = count === 4 ? 3 : count;
    const home = (u: number) => u % holders;
    for (const [u, user] of users.entries()) sockets.push(await openUserSocket(cluster.instances[home(u)]!.url, user.access_token));
    const usersOn = (i: number) => users.filter((_, u) => home(u) === i).length;

    for (const withMonitor of [false, true]) {
      if (withMonitor) sockets.push((await openMonitor(cluster.instances[0]!.url, (await clients[0]!.loginAdmin()).access_token)).socket);
      const before = await Promise.all(cluster.instances.map((instance) => received(instance.url)));
      let played = 0;
      await Promise.all(
        users.map(async (user, u) => {
          const via = clients[(home(u) + 1) % count]!;
          for (let n = 0; n < PLAYS; n++) if ((await via.play(user.access_token, 'slot', { bet: 1 })).status === 200) played++;
        }),
      );
      await Bun.sleep(300); // the last frames across
      const after = await Promise.all(cluster.instances.map((instance) => received(instance.url)));
      cluster.instances.forEach((_, i) => rows.push({ instances: count, instance: i, users: usersOn(i), monitor: withMonitor && i === 0, perPlay: (after[i]! - before[i]!) / played }));
    }
  } finally {
    for (const socket of sockets) socket.ws.close();
    await cluster.close();
  }
}

console.log(`| instances | instance | users with a socket there (of ${USERS}) | monitor there | broker messages taken per cluster play |`);
console.log('| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(`| ${row.instances} | ${row.instance} | ${row.users} | ${row.monitor ? 'yes' : 'no'} | ${row.perPlay.toFixed(3)} |`);
process.exit(0);
