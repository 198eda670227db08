/** A crowd of idle user sockets: present, subscribed, never sent a thing. */
import { inBatches } from "../lib/pool.ts";
import type { IdleState, OpenIdle } from "./protocol.ts";
import { openStream, type Stream } from "./streams.ts";

const ignore = () => {};

export class IdleCrowd {
  private streams: Stream[] = [];

  async grow({ kind, baseUrl, tokens, count, concurrency }: OpenIdle): Promise<IdleState> {
    const missing = Math.max(0, count - this.streams.length);
    const offset = this.streams.length;
    const errors = await inBatches(missing, concurrency, async (i) => {
      const token = tokens[(offset + i) % tokens.length]!;
      this.streams.push(await openStream(kind, baseUrl, "user", token, ignore));
    });
    return { open: this.streams.length, failed: errors.length, firstError: errors.length > 0 ? String(errors[0]) : undefined };
  }

  async shrink(count: number): Promise<IdleState> {
    const extra = this.streams.splice(count);
    await inBatches(extra.length, 512, (i) => extra[i]!.close());
    return { open: this.streams.length, failed: 0 };
  }
}
