// What every peer does per play, written once so that the peers differ only in what is being
// compared: the transport and the fan-out. Plain JS so that Bun (ceiling.ts) and Node
// (node-ws.mjs, socketio.mjs) run the same code.
import { verifyAccessToken } from "../lib/jwt.mjs";

export const JSON_HEADERS = { "content-type": "application/json" };

const SYMBOLS = ["cherry", "lemon", "bell", "bar", "seven"];
const THREE_OF_A_KIND = { cherry: 5, lemon: 10, bell: 20, bar: 50, seven: 100 };
const RECENT_EVENTS = 100;

/**
 * PORT and JWT_SECRET, as our server reads them; EVENT_ID_PREFIX keeps the event ids of
 * peers that share their events (the cluster) apart.
 */
export function peerEnv() {
  const secret = process.env.JWT_SECRET;
  if (!secret) throw new Error("JWT_SECRET is required");
  return { port: Number(process.env.PORT ?? 0), secret, eventIdPrefix: process.env.EVENT_ID_PREFIX ?? "" };
}

export function bearerToken(authorization) {
  return authorization?.startsWith("Bearer ") ? authorization.slice(7) : null;
}

export function errorBody(code, message) {
  return JSON.stringify({ error: { code, message } });
}

/**
 * Balances, recent events and presence counts in memory; `publish(userId, eventJson)` is the
 * peer's fan-out of one serialized event to the user's sockets and the monitors.
 */
export function createGameCore({ secret, publish, initialBalance = 1e9, eventIdPrefix = "" }) {
  const balances = new Map();
  const openSockets = new Map(); // user id -> open user sockets, for the snapshot's connected_user_ids
  const recent = new Array(RECENT_EVENTS); // ring buffer of serialized events
  let seq = 0;
  const reels = new Uint32Array(3);

  function spin(bet) {
    crypto.getRandomValues(reels); // modulo bias of 2^32 % 5 is immaterial here
    const symbols = [SYMBOLS[reels[0] % 5], SYMBOLS[reels[1] % 5], SYMBOLS[reels[2] % 5]];
    const isWin = symbols[0] === symbols[1] && symbols[1] === symbols[2];
    return { reels: symbols, payout: isWin ? bet * THREE_OF_A_KIND[symbols[0]] : 0 };
  }

  function reply(status, body) {
    return { status, body };
  }

  return {
    authenticate(token) {
      return verifyAccessToken(secret, token);
    },

    /** One slot spin for the bearer of `token`: the response to send, the event already published. */
    play(token, bodyText) {
      const who = verifyAccessToken(secret, token);
      if (!who) return reply(401, errorBody("unauthorized", "a valid access token is required"));
      let bet;
      try {
        bet = JSON.parse(bodyText)?.bet;
      } catch {
        return reply(400, errorBody("bad_json", "the body is not JSON"));
      }
      const isValidBet = typeof bet === "number" && Number.isFinite(bet) && bet > 0;
      if (!isValidBet) return reply(400, errorBody("invalid_bet", "bet must be a positive number"));
      const balance = balances.get(who.userId) ?? initialBalance;
      if (bet > balance) return reply(400, errorBody("insufficient_funds", "bet exceeds the balance"));

      const result = spin(bet);
      const newBalance = balance - bet + result.payout;
      balances.set(who.userId, newBalance);
      const event_id = `${eventIdPrefix}${++seq}`;
      // Serialized once; every recipient gets this same string.
      const event = JSON.stringify({
        type: "game_event",
        v: 1,
        event_id,
        game_type: "slot",
        user_id: who.userId,
        bet,
        result,
        ts: new Date().toISOString(),
      });
      recent[seq % RECENT_EVENTS] = event;
      publish(who.userId, event);
      return reply(200, JSON.stringify({ event_id, game_type: "slot", bet, result, balance: newBalance }));
    },

    ack(who) {
      const expires_in = Math.max(0, Math.floor(who.expiresAt - Date.now() / 1000));
      return JSON.stringify({ type: "ws_ack", v: 1, user_id: who.userId, expires_in, ts: new Date().toISOString() });
    },

    snapshot() {
      const events = [];
      for (let i = seq + 1; i <= seq + RECENT_EVENTS; i++) {
        const event = recent[i % RECENT_EVENTS];
        if (event !== undefined) events.push(event);
      }
      const ids = JSON.stringify([...openSockets.keys()]);
      const ts = JSON.stringify(new Date().toISOString());
      // The events are JSON already: splice them in rather than parse and serialize again.
      return `{"type":"monitor_snapshot","v":1,"connected_user_ids":${ids},"recent_events":[${events.join(",")}],"ts":${ts}}`;
    },

    pong() {
      return JSON.stringify({ type: "pong", v: 1, ts: new Date().toISOString() });
    },

    userOpened(userId) {
      openSockets.set(userId, (openSockets.get(userId) ?? 0) + 1);
    },

    userClosed(userId) {
      const left = (openSockets.get(userId) ?? 1) - 1;
      if (left > 0) openSockets.set(userId, left);
      else openSockets.delete(userId);
    },
  };
}
