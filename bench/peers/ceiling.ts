// The ceiling: raw Bun.serve doing the wire work our server does per play (verify the JWT,
// draw a slot outcome, serialize ONE game_event, publish it to `user:<id>` and `monitor`,
// answer the play) and nothing else: no framework, no persistence. What our server adds on
// top of this is what the ratios against it show.
import type { Server, ServerWebSocket } from "bun";
import type { Principal } from "../lib/jwt.mjs";
import { bearerToken, createGameCore, errorBody, JSON_HEADERS, peerEnv } from "./core.mjs";

/** Per-socket data, kept to what the handlers need. */
interface SocketData {
  who: Principal;
  isMonitor: boolean;
}

const { port, secret } = peerEnv();

const core = createGameCore({
  secret,
  publish(userId, event) {
    server.publish(`user:${userId}`, event);
    server.publish("monitor", event);
  },
});

function refuse(status: number, code: string) {
  return new Response(errorBody(code, code), { status, headers: JSON_HEADERS });
}

function upgrade(req: Request, srv: Server<SocketData>, isMonitor: boolean) {
  const who = core.authenticate(new URL(req.url).searchParams.get("token"));
  if (!who) return refuse(401, "unauthorized");
  if (isMonitor && who.role !== "admin") return refuse(403, "forbidden");
  if (srv.upgrade(req, { data: { who, isMonitor } })) return undefined;
  return refuse(400, "upgrade_required");
}

const server = Bun.serve<SocketData>({
  hostname: "127.0.0.1",
  port,
  routes: {
    "/api/games/slot/spin": {
      async POST(req: Request) {
        const { status, body } = core.play(bearerToken(req.headers.get("authorization")), await req.text());
        return new Response(body, { status, headers: JSON_HEADERS });
      },
    },
    "/api/games/ws": (req: Request, srv: Server<SocketData>) => upgrade(req, srv, false),
    "/api/games/ws/monitor": (req: Request, srv: Server<SocketData>) => upgrade(req, srv, true),
    "/health": new Response("ok"),
  },
  fetch: () => refuse(404, "not_found"),
  websocket: {
    open(ws: ServerWebSocket<SocketData>) {
      const { who, isMonitor } = ws.data;
      if (isMonitor) {
        ws.subscribe("monitor");
        ws.send(core.snapshot());
      } else {
        ws.subscribe(`user:${who.userId}`);
        core.userOpened(who.userId);
        ws.send(core.ack(who));
      }
    },
    message(ws, message) {
      if (String(message).includes('"ping"')) ws.send(core.pong());
    },
    close(ws) {
      if (!ws.data.isMonitor) core.userClosed(ws.data.who.userId);
    },
  },
});

console.log(`listening on http://${server.hostname}:${server.port}`);
