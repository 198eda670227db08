// Peer: Node.js, node:http + the `ws` package, fanning out the idiomatic way, by looping over
// the user's sockets and the monitors in JavaScript. Run with /usr/bin/node.
import { WebSocketServer } from "ws";
import { createGameCore, errorBody, peerEnv } from "./core.mjs";
import { createRestServer, listen } from "./node-http.mjs";

const { port, secret } = peerEnv();
const userSockets = new Map(); // user id -> Set of sockets
const monitors = new Set();
const NO_SOCKETS = new Set();
const AS_TEXT = { binary: false };

const core = createGameCore({
  secret,
  publish(userId, event) {
    // Encode once: `ws` would turn the string into a Buffer again for every socket.
    const data = Buffer.from(event);
    for (const ws of userSockets.get(userId) ?? NO_SOCKETS) ws.send(data, AS_TEXT);
    for (const ws of monitors) ws.send(data, AS_TEXT);
  },
});

const server = createRestServer(core);
const wss = new WebSocketServer({ noServer: true });

function refuse(socket, status, text) {
  const body = errorBody(status === 401 ? "unauthorized" : status === 403 ? "forbidden" : "not_found", text);
  socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
}

server.on("upgrade", (req, socket, head) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  const isMonitor = url.pathname === "/api/games/ws/monitor";
  if (!isMonitor && url.pathname !== "/api/games/ws") return refuse(socket, 404, "Not Found");
  const who = core.authenticate(url.searchParams.get("token"));
  if (!who) return refuse(socket, 401, "Unauthorized");
  if (isMonitor && who.role !== "admin") return refuse(socket, 403, "Forbidden");

  wss.handleUpgrade(req, socket, head, (ws) => {
    if (isMonitor) {
      monitors.add(ws);
      ws.on("close", () => monitors.delete(ws));
      ws.send(core.snapshot());
    } else {
      let sockets = userSockets.get(who.userId);
      if (!sockets) userSockets.set(who.userId, (sockets = new Set()));
      sockets.add(ws);
      core.userOpened(who.userId);
      ws.on("close", () => {
        sockets.delete(ws);
        if (sockets.size === 0) userSockets.delete(who.userId);
        core.userClosed(who.userId);
      });
      ws.send(core.ack(who));
    }
    ws.on("message", (data) => {
      if (String(data).includes('"ping"')) ws.send(core.pong());
    });
  });
});

listen(server, port);
