/**
 * The reconnect storm as clients see it: many user sockets, each with the id of the last
 * event it received, lose their connection; their users play meanwhile; then every socket
 * reconnects within a second asking to resume (`?since=<event_id>` on our server, Socket.IO's
 * connection state recovery on the peer). Each socket's events after reconnecting are checked
 * against what was played: every missed event and the first live one exactly once.
 */
import { io, type Socket } from "socket.io-client";
import { inBatches } from "../lib/pool.ts";
import type { Player, StormMiss, StormOpen, StormResume, StormResult, StreamKind } from "./protocol.ts";

const PLAY_CONCURRENCY = 32;
const OPEN_CONCURRENCY = 100;
const REQUEST_TIMEOUT_MS = 10_000;

/** One user socket and what it received. */
interface StormSocket {
  user: number;
  lastEventId?: string;
  /** game_event ids received since the reconnect. */
  received: string[];
  /** Missed events of its user not received yet. */
  pending: Set<string>;
  isLive: boolean;
  isOpen: boolean;
  drop(): void;
  reconnect(since: string | undefined): Promise<void>;
}

export class StormCrowd {
  private kind: StreamKind = "ws";
  private baseUrl = "";
  private players: Player[] = [];
  private sockets: StormSocket[] = [];
  /** Per user: the events played while its sockets were away, and the live one after. */
  private missed: string[][] = [];
  private live: (string | undefined)[] = [];
  private isResuming = false;
  private replayed = 0;
  private liveCount = 0;
  private notices: string[] = [];
  private onProgress = () => {};

  /** Opens the sockets and plays once per user, so every socket has a last event id. */
  async open({ kind, baseUrl, players, socketsPerUser }: StormOpen): Promise<{ open: number }> {
    await this.close();
    Object.assign(this, { kind, baseUrl, players, sockets: [], isResuming: false, notices: [] });
    const count = players.length * socketsPerUser;
    const errors = await inBatches(count, OPEN_CONCURRENCY, async (i) => {
      const socket = this.makeSocket(i % players.length);
      this.sockets.push(socket);
      await socket.reconnect(undefined);
    });
    if (errors.length > 0) throw new Error(`${errors.length} of ${count} storm sockets failed to open: ${String(errors[0])}`);
    await this.playOncePerUser();
    const deadline = performance.now() + 30_000;
    while (this.sockets.some((s) => !s.lastEventId) && performance.now() < deadline) await Bun.sleep(20);
    const without = this.sockets.filter((s) => !s.lastEventId).length;
    if (without > 0) throw new Error(`${without} storm sockets never received their user's first event`);
    return { open: this.sockets.length };
  }

  /** Every connection breaks (not a clean goodbye: Socket.IO only recovers from a lost transport). */
  async drop(): Promise<void> {
    for (const socket of this.sockets) socket.drop();
    const deadline = performance.now() + 10_000;
    while (this.sockets.some((s) => s.isOpen) && performance.now() < deadline) await Bun.sleep(20);
  }

  /** `perUser` plays for every user while its sockets are away; the ids are what each must replay. */
  async miss({ perUser }: StormMiss): Promise<{ plays: number }> {
    this.missed = this.players.map(() => []);
    const errors = await inBatches(this.players.length * perUser, PLAY_CONCURRENCY, async (i) => {
      const user = i % this.players.length;
      this.missed[user]!.push(await this.play(user));
    });
    if (errors.length > 0) throw new Error(`${errors.length} plays failed while the sockets were away: ${String(errors[0])}`);
    // Plays of one user ran one after another only per loop: order the ids as the server did.
    for (const ids of this.missed) ids.sort(compareEventIds);
    return { plays: this.players.length * perUser };
  }

  /** The storm: all reconnect within `spreadMs`; then one live play per user. Times from the first reconnect. */
  async resume({ spreadMs, timeoutMs }: StormResume): Promise<StormResult> {
    this.live = this.players.map(() => undefined);
    this.replayed = 0;
    this.liveCount = 0;
    for (const socket of this.sockets) {
      socket.received = [];
      socket.pending = new Set(this.missed[socket.user]);
      socket.isLive = false;
    }
    this.isResuming = true;
    const startedAt = performance.now();
    const deadline = startedAt + timeoutMs;
    let failed = 0;
    let firstError: string | undefined;
    const step = spreadMs / this.sockets.length;
    const connecting = this.sockets.map(async (socket, i) => {
      await Bun.sleep(i * step);
      try {
        await socket.reconnect(socket.lastEventId);
      } catch (error) {
        failed++;
        firstError ??= String(error);
      }
    });
    await Promise.all(connecting);
    const connectedMs = performance.now() - startedAt;
    await this.until(() => this.replayed === this.sockets.length - failed, deadline);
    const replayedMs = performance.now() - startedAt;

    const liveErrors = await inBatches(this.players.length, PLAY_CONCURRENCY, async (user) => {
      this.live[user] = await this.play(user);
    });
    if (liveErrors.length > 0) firstError ??= `live play: ${String(liveErrors[0])}`;
    // An event may arrive before its play's response has told us its id.
    for (const socket of this.sockets) {
      if (!socket.isLive && socket.received.includes(this.live[socket.user] ?? "")) {
        socket.isLive = true;
        this.liveCount++;
      }
    }
    await this.until(() => this.liveCount === this.sockets.length - failed, deadline);
    const liveMs = performance.now() - startedAt;
    this.isResuming = false;

    let missed = 0;
    let repeated = 0;
    for (const socket of this.sockets) {
      const expected = new Set(this.missed[socket.user]);
      const liveId = this.live[socket.user];
      if (liveId) expected.add(liveId);
      const distinct = new Set(socket.received.filter((id) => expected.has(id)));
      missed += expected.size - distinct.size;
      repeated += socket.received.length - distinct.size;
    }
    return {
      sockets: this.sockets.length,
      failed,
      firstError: firstError ?? this.notices[0],
      notices: this.notices.length,
      connectedMs,
      replayedMs,
      liveMs,
      missed,
      repeated,
    };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.drop();
    this.sockets = [];
  }

  private until(isDone: () => boolean, deadline: number): Promise<void> {
    if (isDone()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(finish, Math.max(0, deadline - performance.now()));
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      this.onProgress = () => {
        if (isDone()) finish();
      };
    });
  }

  private async play(user: number): Promise<string> {
    const response = await fetch(`${this.baseUrl}/api/games/slot/spin`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.players[user]!.token}`, "content-type": "application/json" },
      body: '{"bet":1}',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${response.status} ${text.slice(0, 200)}`);
    return (JSON.parse(text) as { event_id: string }).event_id;
  }

  private async playOncePerUser(): Promise<void> {
    const errors = await inBatches(this.players.length, PLAY_CONCURRENCY, async (user) => void (await this.play(user)));
    if (errors.length > 0) throw new Error(`${errors.length} first plays failed: ${String(errors[0])}`);
  }

  /** Counts one message of `socket`: before the storm it only remembers the last event id. */
  private onMessage(socket: StormSocket, text: string): void {
    const message = JSON.parse(text) as { type?: string; event_id?: string; code?: string };
    if (message.type === "error") {
      this.notices.push(`socket of user ${this.players[socket.user]!.userId}: ${message.code}`);
      return;
    }
    if (message.type !== "game_event" || message.event_id === undefined) return;
    if (!this.isResuming) {
      socket.lastEventId = message.event_id;
      return;
    }
    socket.received.push(message.event_id);
    if (socket.pending.delete(message.event_id) && socket.pending.size === 0) this.replayed++;
    if (!socket.isLive && message.event_id === this.live[socket.user]) {
      socket.isLive = true;
      this.liveCount++;
    }
    this.onProgress();
  }

  private makeSocket(user: number): StormSocket {
    return this.kind === "ws" ? this.webSocket(user) : this.socketIo(user);
  }

  private webSocket(user: number): StormSocket {
    let ws: WebSocket | undefined;
    const crowd = this;
    const socket: StormSocket = {
      ...freshState(user),
      drop() {
        ws?.close();
      },
      reconnect(since) {
        const query = `token=${encodeURIComponent(crowd.players[user]!.token)}${since ? `&since=${encodeURIComponent(since)}` : ""}`;
        const current = new WebSocket(`${crowd.baseUrl.replace(/^http/, "ws")}/api/games/ws?${query}`);
        ws = current;
        return new Promise((resolve, reject) => {
          current.onmessage = () => {
            socket.isOpen = true;
            resolve(); // the first message is the ws_ack
            current.onmessage = (next) => crowd.onMessage(socket, next.data as string);
          };
          current.onclose = (event) => {
            socket.isOpen = false;
            reject(new Error(`closed before its ws_ack (${event.code} ${event.reason})`));
          };
        });
      },
    };
    return socket;
  }

  private socketIo(user: number): StormSocket {
    const crowd = this;
    let client: Socket | undefined;
    const socket: StormSocket = {
      ...freshState(user),
      drop() {
        // Closing the transport, not disconnect(): the server then keeps the session for recovery.
        client?.io.engine?.close();
      },
      reconnect() {
        if (!client) {
          client = io(crowd.baseUrl, { transports: ["websocket"], auth: { token: crowd.players[user]!.token, stream: "user" }, forceNew: true, reconnection: false });
          client.on("message", (text: string) => crowd.onMessage(socket, text));
          client.on("disconnect", () => (socket.isOpen = false));
        } else {
          client.connect(); // sends the session id and offset it last saw
        }
        const current = client;
        return new Promise((resolve, reject) => {
          current.once("connect", () => {
            socket.isOpen = true;
            resolve();
          });
          current.once("connect_error", (error) => reject(new Error(`refused: ${error.message}`)));
        });
      },
    };
    return socket;
  }
}

function freshState(user: number) {
  return { user, received: [] as string[], pending: new Set<string>(), isLive: false, isOpen: false };
}

/** Our ids are "<user>-<seq>", the peer's a global counter: both order by their last number. */
function compareEventIds(a: string, b: string): number {
  return Number(a.split("-").pop()) - Number(b.split("-").pop());
}
