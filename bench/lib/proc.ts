/**
 * Child processes of the harness: servers under test and load agents. Every child is
 * registered here and killed when the harness exits for any reason, so a failed run leaves no
 * server holding a port or 10,000 sockets behind.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";

/** The Node.js the peers run on, as the brief pins it. */
export const NODE = "/usr/bin/node";
const LEASH = join(import.meta.dir, "exit-with-parent.mjs");

const live = new Set<Subprocess>();
let isCleanupInstalled = false;

function killAll(): void {
  for (const child of live) child.kill("SIGKILL");
  live.clear();
}

/**
 * Kill every registered child when the harness exits, whatever the reason: a normal end, an
 * uncaught error, Ctrl-C, SIGTERM, SIGHUP (each of those ends in process.exit, hence in "exit").
 */
export function installCleanup(): void {
  if (isCleanupInstalled) return;
  isCleanupInstalled = true;
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      console.error(`\n${signal}: stopping`);
      process.exit(130);
    });
  }
  for (const event of ["uncaughtException", "unhandledRejection"] as const) {
    process.on(event, (error) => {
      console.error(error);
      process.exit(1);
    });
  }
}

export function track(child: Subprocess): void {
  live.add(child);
  void child.exited.then(() => live.delete(child));
}

/** SIGTERM, then SIGKILL if the child is still there after `graceMs`. */
export async function stopChild(child: Subprocess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/**
 * How many files this process may open. Bun raises its soft limit to the hard one at start-up
 * and every child inherits it, so this is also what each server and agent gets.
 */
export function openFileLimit(): number {
  const line = readFileSync("/proc/self/limits", "utf8")
    .split("\n")
    .find((l) => l.startsWith("Max open files"));
  const soft = line?.match(/\d+|unlimited/)?.[0];
  return soft === "unlimited" ? Infinity : Number(soft ?? 1024);
}

/**
 * The command that runs `script` under `runtime` with exit-with-parent.mjs preloaded, so the
 * server cannot outlive the harness even when the harness is SIGKILLed.
 */
export function leashed(runtime: "bun" | "node", script: string): string[] {
  return runtime === "bun" ? [process.execPath, "--preload", LEASH, script] : [NODE, "--import", LEASH, script];
}

export interface ServerProcess {
  /** Base URL printed by the server, e.g. http://127.0.0.1:40123 */
  url: string;
  pid: number;
  /** The last lines the server wrote, for error messages. */
  tail(): string;
  hasExited(): boolean;
  stop(): Promise<void>;
}

const LISTENING = /listening on (https?:\/\/[^\s"]+)/;
const TAIL_LINES = 30;

/**
 * Starts a server and resolves once it prints `listening on <url>`. Its output keeps being
 * read afterwards: a server logging into a full pipe would block, and the benchmark with it.
 */
export async function startServer(options: {
  name: string;
  cmd: string[];
  env: Record<string, string>;
  cwd: string;
  timeoutMs?: number;
}): Promise<ServerProcess> {
  const child = Bun.spawn(options.cmd, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    // Never written nor closed: it ends when the harness is gone (see leashed()).
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  track(child);
  const lines: string[] = [];
  const tail = () => lines.join("\n");
  let onLine: (line: string) => void = () => {};
  const remember = (line: string) => {
    lines.push(line);
    if (lines.length > TAIL_LINES) lines.shift();
    onLine(line);
  };
  void pumpLines(child.stdout, remember);
  void pumpLines(child.stderr, remember);

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.name} did not print "listening on" in time:\n${tail()}`)), options.timeoutMs ?? 20_000);
    onLine = (line) => {
      const match = LISTENING.exec(line);
      if (match) {
        clearTimeout(timer);
        // The server prints the address bound: a wildcard host is reached through loopback.
        resolve(match[1]!.replace(/\/$/, "").replace("//0.0.0.0:", "//127.0.0.1:").replace("//[::]:", "//[::1]:"));
      }
    };
    void child.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with ${code} before listening:\n${tail()}`));
    });
  }).catch(async (error: unknown) => {
    await stopChild(child, 500);
    throw error;
  });
  onLine = () => {};
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  return { url, pid: child.pid, tail, hasExited, stop: () => stopChild(child) };
}

async function pumpLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  const reader = stream.getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    pending += decoder.decode(chunk.value, { stream: true });
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    for (const line of parts) onLine(line);
  }
  if (pending) onLine(pending);
}

/** Resident set size of a process, in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

// USER_HZ is 100 on every Linux the harness targets (`getconf CLK_TCK`).
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system, all threads) a process has used so far, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may itself hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}
