/** Records what a client stream hands out, and waits for what a test expects of it. */
import type { SocketStream, StreamEvents } from '../../client';

export type Recorder = ReturnType<typeof record>;

export function record(stream: SocketStream) {
  const log = {
    messages: [] as StreamEvents['message'][],
    disconnects: [] as StreamEvents['disconnected'][],
    fatal: [] as StreamEvents['fatal'][],
    invalid: [] as StreamEvents['invalid_message'][],
    resyncs: [] as StreamEvents['resync_required'][],
  };
  stream.on('message', (message) => log.messages.push(message));
  stream.on('disconnected', (event) => log.disconnects.push(event));
  stream.on('fatal', (event) => log.fatal.push(event));
  stream.on('invalid_message', (event) => log.invalid.push(event));
  stream.on('resync_required', (event) => log.resyncs.push(event));

  return {
    ...log,
    /** The event ids of the game_events handed out, in order. */
    eventIds: () => log.messages.flatMap((m) => (m.type === 'game_event' ? [m.event_id] : [])),
    count: (type: string) => log.messages.filter((m) => m.type === type).length,
    /** Waits until `condition` holds, checking as messages arrive (polling, at most `timeoutMs`). */
    async until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got: ${log.messages.map((m) => m.type).join(', ')}`);
        await Bun.sleep(5);
      }
    },
  };
}

/** A free TCP port (tests/support/ports.ts), so restarted servers listen where a stream reconnects. */
export { freePort } from '../support/ports';
