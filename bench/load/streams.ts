/**
 * Event-stream clients of the load generator: Bun's native WebSocket for our server and the
 * `ws` peers, socket.io-client for the Socket.IO peer. A stream counts as open once its first
 * message (ws_ack or monitor_snapshot) arrives: from then on the server has it subscribed.
 */
import { io } from "socket.io-client";
import type { StreamKind } from "./protocol.ts";

export type Channel = "user" | "monitor";

export interface Stream {
  close(): Promise<void>;
}

const PATHS: Record<Channel, string> = { user: "/api/games/ws", monitor: "/api/games/ws/monitor" };
const OPEN_TIMEOUT_MS = 15_000;
const CLOSE_TIMEOUT_MS = 5_000;

/**
 * Opens a stream and resolves when its greeting arrives; `onMessage` then gets every later
 * message as text. Rejects on refusal, early close or timeout.
 */
export function openStream(
  kind: StreamKind,
  baseUrl: string,
  channel: Channel,
  token: string,
  onMessage: (text: string) => void,
  query = "",
): Promise<Stream> {
  return kind === "ws" ? openWebSocket(baseUrl, channel, token, onMessage, query) : openSocketIo(baseUrl, channel, token, onMessage, query);
}

function openWebSocket(baseUrl: string, channel: Channel, token: string, onMessage: (text: string) => void, query: string): Promise<Stream> {
  const url = `${baseUrl.replace(/^http/, "ws")}${PATHS[channel]}?token=${encodeURIComponent(token)}${query ? `&${query}` : ""}`;
  const ws = new WebSocket(url);
  const closed = new Promise<void>((resolve) => ws.addEventListener("close", () => resolve(), { once: true }));
  const stream: Stream = {
    close() {
      ws.close(1000);
      return withTimeout(closed, CLOSE_TIMEOUT_MS);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error(`${channel} stream: no greeting within ${OPEN_TIMEOUT_MS} ms`));
    }, OPEN_TIMEOUT_MS);
    ws.onmessage = () => {
      clearTimeout(timer);
      ws.onmessage = (event) => onMessage(event.data as string);
      resolve(stream);
    };
    ws.onclose = (event) => {
      clearTimeout(timer);
      reject(new Error(`${channel} stream closed before its greeting (${event.code} ${event.reason})`));
    };
  });
}

function openSocketIo(baseUrl: string, channel: Channel, token: string, onMessage: (text: string) => void, query: string): Promise<Stream> {
  const socket = io(baseUrl, {
    transports: ["websocket"],
    auth: { token, stream: channel, filter: query }, // the peer has no filters: passed, ignored
    forceNew: true, // one connection per stream, as a browser tab would have
    reconnection: false,
    timeout: OPEN_TIMEOUT_MS,
  });
  const stream: Stream = {
    close() {
      socket.disconnect();
      return Promise.resolve();
    },
  };
  return new Promise((resolve, reject) => {
    socket.once("message", () => {
      socket.on("message", onMessage);
      resolve(stream);
    });
    socket.once("connect_error", (error) => {
      socket.disconnect();
      reject(new Error(`${channel} stream refused: ${error.message}`));
    });
  });
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  return Promise.race([promise, Bun.sleep(ms)]);
}
