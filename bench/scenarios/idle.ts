/**
 * Idle sockets: the server's RSS growth per idle socket (VmRSS after connecting and settling,
 * minus VmRSS before), and the CPU the server spends holding them with no traffic at all
 * (timers, pings, sweeps over its sockets). The sockets stay open for the scale curve.
 */
import { cpuSeconds, rssBytes } from "../lib/proc.ts";
import { setIdleSockets, type Measurement, type SessionContext } from "./context.ts";

export async function measureIdleSockets(ctx: SessionContext, count: number): Promise<Measurement[]> {
  const { server, profile } = ctx;
  await Bun.sleep(profile.settleMs);
  const rssBefore = rssBytes(server.pid);
  const open = await setIdleSockets(ctx, count);
  const rssAfter = rssBytes(server.pid);

  const cpuBefore = cpuSeconds(server.pid);
  await Bun.sleep(profile.settleMs);
  const idleCpu = cpuSeconds(server.pid) - cpuBefore;

  const section = `${open.toLocaleString("en-US")} idle sockets`;
  return [
    { section, measure: "kib_per_socket", value: (rssAfter - rssBefore) / 1024 / open },
    { section, measure: "rss_mib", value: rssAfter / 1024 / 1024 },
    { section, measure: "idle_cpu_percent", value: (idleCpu / (profile.settleMs / 1000)) * 100 },
  ];
}
