/** The harness side of a load agent (load/agent.ts): spawn it, call it, stop it. */
import { join } from "node:path";
import type { Subprocess } from "bun";
import type { AgentOp, AgentOps, AgentRequest, AgentResponse } from "../load/protocol.ts";
import { stopChild, track } from "./proc.ts";

const AGENT_SCRIPT = join(import.meta.dir, "..", "load", "agent.ts");

export interface Agent {
  readonly name: string;
  readonly pid: number;
  /** Sends one request; rejects with the agent's error, or after `timeoutMs`. */
  call<K extends AgentOp>(op: K, args: AgentOps[K]["args"], timeoutMs: number): Promise<AgentOps[K]["result"]>;
  stop(): Promise<void>;
}

export function spawnAgent(name: string): Agent {
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const child: Subprocess = Bun.spawn([process.execPath, AGENT_SCRIPT], {
    stdio: ["ignore", "inherit", "inherit"],
    ipc(message: AgentResponse) {
      const call = pending.get(message.id);
      if (!call) return;
      pending.delete(message.id);
      if (message.ok) call.resolve(message.result);
      else call.reject(new Error(`${name}: ${message.error}`));
    },
  });
  track(child);
  void child.exited.then((code) => {
    for (const call of pending.values()) call.reject(new Error(`${name} exited (${code})`));
    pending.clear();
  });

  return {
    name,
    pid: child.pid,
    call(op, args, timeoutMs) {
      const id = nextId++;
      const request: AgentRequest = { id, op, args };
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}: ${op} took longer than ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as never);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        child.send(request);
      });
    },
    stop: () => stopChild(child, 1000),
  };
}
