// Peer: Node.js with Socket.IO 4 joined to its other instances through Redis
// (@socket.io/redis-adapter), Socket.IO's own way of running on several processes: every
// broadcast is published to Redis once and each instance delivers it to its own sockets.
// REDIS_URL is required; EVENT_ID_PREFIX keeps event ids of the instances apart.
// Run with /usr/bin/node.
import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { startSocketIoPeer } from "./socketio-server.mjs";

const url = process.env.REDIS_URL;
if (!url) throw new Error("REDIS_URL is required");
const publisher = new Redis(url);
const subscriber = publisher.duplicate();
// Both connections up before "listening": a play published earlier would reach no other instance.
await Promise.all([publisher.ping(), subscriber.ping()]);
startSocketIoPeer({ adapter: createAdapter(publisher, subscriber) });
