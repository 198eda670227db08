// The Socket.IO peers (socketio.mjs: one process; socketio-redis.mjs: instances joined by
// Redis). Users join room `user:<id>`, admins asking for the monitor stream join `monitor`;
// the token comes in the handshake `auth`. Every server message is emitted as `message` with
// the JSON string.
import { Server } from "socket.io";
import { createGameCore, peerEnv } from "./core.mjs";
import { createRestServer, listen } from "./node-http.mjs";

/** Starts the peer; `adapter` (a Socket.IO adapter factory) joins it to other instances. */
export function startSocketIoPeer({ adapter } = {}) {
  const { port, secret, eventIdPrefix } = peerEnv();

  const core = createGameCore({
    secret,
    eventIdPrefix,
    publish(userId, event) {
      // One broadcast to the union of both rooms: Socket.IO encodes the packet once.
      io.to(`user:${userId}`).to("monitor").emit("message", event);
    },
  });

  const server = createRestServer(core);
  // WebSocket only: the load generator never long-polls, and polling would add its own routes.
  // SOCKETIO_RECOVERY=1 (the reconnect storm): connection state recovery, Socket.IO's resume.
  const recovery = process.env.SOCKETIO_RECOVERY === "1" ? { connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000 } } : {};
  const io = new Server(server, { transports: ["websocket"], serveClient: false, ...recovery, ...(adapter ? { adapter } : {}) });

  io.use((socket, next) => {
    const who = core.authenticate(socket.handshake.auth?.token);
    if (!who) return next(new Error("unauthorized"));
    const wantsMonitor = socket.handshake.auth.stream === "monitor";
    if (wantsMonitor && who.role !== "admin") return next(new Error("forbidden"));
    socket.data = { who, isMonitor: wantsMonitor };
    next();
  });

  io.on("connection", (socket) => {
    const { who, isMonitor } = socket.data;
    if (isMonitor) {
      socket.join("monitor");
      socket.emit("message", core.snapshot());
    } else {
      socket.join(`user:${who.userId}`);
      core.userOpened(who.userId);
      socket.on("disconnect", () => core.userClosed(who.userId));
      socket.emit("message", core.ack(who));
    }
    socket.on("message", (text) => {
      if (String(text).includes('"ping"')) socket.emit("message", core.pong());
    });
  });

  listen(server, port);
}
