/**
 * What crosses Redis between instances, and how a receiver knows an instance of this cluster
 * wrote it. A frame is plain text, not JSON (the message is already JSON, and a JSON envelope
 * escaped every quote of every event on the way out and parsed it again on the way in):
 *
 *   g2 \n <origin> \n <counter> \n <topic> \n <mac> \n <message>
 *
 * - `origin`: the sending instance's id (a UUID, new each process);
 * - `counter`: that instance's frames so far (1, 2, …); one publisher connection keeps them in
 *   order, so a receiver drops any frame whose counter is not above the last it took from that
 *   origin: an authentic frame replayed is dropped too;
 * - `mac`: HMAC-SHA256 under the cluster's frame key of everything else, base64url.
 *
 * Anyone who can PUBLISH on the channel (a shared Redis, a leaked password) can write frames;
 * without the key none of them is delivered. The key is derived from the JWT signing secret
 * every instance already shares (HMAC with a label, so the secret itself never leaves the
 * process), or is `CLUSTER_KEY` when set.
 */

const VERSION = 'g2';
/** Origins remembered for replay protection; a forged origin never gets here (its MAC fails first). */
const MAX_ORIGINS = 1024;

export type Opened = { topic: string; message: string } | { dropped: 'malformed' | 'unauthenticated' | 'replayed' | 'echo' };

/** The frame key for a cluster whose instances share `secret` (the JWT secret or CLUSTER_KEY). */
export function frameKey(secret: string): Buffer {
  return new Bun.CryptoHasher('sha256', secret).update('game-events broker frame key v1').digest();
}

export class FrameCodec {
  private sent = 0;
  private readonly lastFrom = new Map<string, number>();

  constructor(
    private readonly key: Buffer,
    private readonly instanceId: string,
  ) {}

  private mac(origin: string, counter: string, topic: string, message: string): string {
    return new Bun.CryptoHasher('sha256', this.key).update(`${origin}\n${counter}\n${topic}\n${message}`).digest('base64url');
  }

  /** A frame of this instance carrying `message` on `topic` (which holds no newline). */
  seal(topic: string, message: string): string {
    const counter = String(++this.sent);
    return `${VERSION}\n${this.instanceId}\n${counter}\n${topic}\n${this.mac(this.instanceId, counter, topic, message)}\n${message}`;
  }

  /** The topic and message of an authentic frame of another instance, or why it was dropped. Never throws. */
  open(text: unknown): Opened {
    if (typeof text !== 'string') return { dropped: 'malformed' };
    const parts: string[] = [];
    let start = 0;
    for (let i = 0; i < 5; i++) {
      const end = text.indexOf('\n', start);
      if (end === -1) return { dropped: 'malformed' };
      parts.push(text.slice(start, end));
      start = end + 1;
    }
    const [version, origin, counter, topic, mac] = parts as [string, string, string, string, string];
    const message = text.slice(start);
    const sequence = Number(counter);
    if (version !== VERSION || !Number.isSafeInteger(sequence) || sequence < 1 || !origin || !topic) return { dropped: 'malformed' };
    if (origin === this.instanceId) return { dropped: 'echo' };
    if (!constantTimeEqual(mac, this.mac(origin, counter, topic, message))) return { dropped: 'unauthenticated' };
    const last = this.lastFrom.get(origin) ?? 0;
    if (sequence <= last) return { dropped: 'replayed' };
    this.remember(origin, sequence);
    return { topic, message };
  }

  private remember(origin: string, sequence: number): void {
    this.lastFrom.delete(origin); // re-inserted last: the map's order is least recently heard first
    this.lastFrom.set(origin, sequence);
    if (this.lastFrom.size > MAX_ORIGINS) this.lastFrom.delete(this.lastFrom.keys().next().value!);
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
