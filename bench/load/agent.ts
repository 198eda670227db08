/**
 * A load agent: a child process of the harness that holds client sockets and drives plays, so
 * the load generator never shares a process (or an event loop) with the server it measures.
 * It answers requests over IPC (see protocol.ts) and exits with its parent.
 */
import { IdleCrowd } from "./idle.ts";
import { PlayDriver } from "./play.ts";
import { StormCrowd } from "./storm.ts";
import type { AgentOp, AgentOps, AgentRequest, AgentResponse } from "./protocol.ts";

const crowd = new IdleCrowd();
const driver = new PlayDriver();
const storm = new StormCrowd();

const handlers: { [K in AgentOp]: (args: AgentOps[K]["args"]) => Promise<AgentOps[K]["result"]> } = {
  openIdle: (args) => crowd.grow(args),
  trimIdle: (args) => crowd.shrink(args.count),
  preparePlay: (args) => driver.prepare(args),
  runPlay: (args) => driver.run(args),
  closePlay: async () => {
    await driver.close();
    return null;
  },
  stormOpen: (args) => storm.open(args),
  stormDrop: async () => {
    await storm.drop();
    return null;
  },
  stormMiss: (args) => storm.miss(args),
  stormResume: (args) => storm.resume(args),
  stormClose: async () => {
    await storm.close();
    return null;
  },
};

process.on("message", async (message: AgentRequest) => {
  let response: AgentResponse;
  try {
    const handler = handlers[message.op] as (args: unknown) => Promise<unknown>;
    response = { id: message.id, ok: true, result: await handler(message.args) };
  } catch (error) {
    response = { id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  process.send!(response);
});

// The harness is gone (even if SIGKILLed): so is the reason to hold thousands of sockets.
process.on("disconnect", () => process.exit(0));
