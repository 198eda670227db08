// Peer: Node.js with Socket.IO 4, one process (see socketio-server.mjs). Run with /usr/bin/node.
import { startSocketIoPeer } from "./socketio-server.mjs";

startSocketIoPeer();
