/**
 * What a client may send on an open socket (`ping`, `refresh`, and for monitors `subscribe`):
 * parsed, charged to the user's message budget, answered.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { TokenService } from '../access-tokens';
import type { Metrics } from '../metrics';
import { CloseCode, WsErrorCode } from '../../client/protocol/close-codes';
import { ClientMessage, type MonitorFilter } from '../../client/protocol/messages';
import { messages } from './events';
import type { SocketRegistry } from './registry';
import type { Socket } from './session';

/** What clients may send, from the one schema in events.ts, compiled once. */
const isClientMessage = TypeCompiler.Compile(ClientMessage);

export type ClientMessageDeps = {
  tokens: TokenService;
  metrics: Metrics;
  registry: SocketRegistry;
  /**
   * The user's budget in the whole cluster (with Redis). Charged after the message is handled
   * (a round trip to Redis must not hold it up): a socket whose user went past it is closed 1008,
   * so at most one message per socket gets past the cluster's budget.
   */
  clusterBudget?: { take(userId: number): Promise<number | undefined> };
  /** Monitors only: switches the socket to another filter (answers with a fresh snapshot). */
  resubscribe: (ws: Socket, filter: Record<string, unknown>) => void;
};

const invalidToken = () => messages.error(WsErrorCode.INVALID_TOKEN, 'refresh needs a valid access token for the same user');

export function clientMessageHandler(deps: ClientMessageDeps) {
  const { tokens, registry } = deps;

  async function refresh(ws: Socket, token: string): Promise<void> {
    const session = ws.data.session;
    const claims = await tokens.verify(token);
    if (!session.isOpen) return;
    const isSameUser = claims !== undefined && claims.userId === session.userId && (session.kind === 'user' || claims.role === 'admin');
    if (!isSameUser) {
      registry.send(ws, invalidToken());
      return;
    }
    session.expiresAt = claims.expiresAt;
    registry.send(ws, messages.refreshed(registry.expiresIn(ws)));
  }

  return function onMessage(ws: Socket, raw: string | Buffer): void {
    const session = ws.data.session;
    if (!session.budget.take()) {
      deps.metrics.serverClosed('message_budget');
      ws.close(CloseCode.POLICY_VIOLATION, 'message budget exceeded');
      return;
    }
    deps.clusterBudget?.take(session.userId).then((wait) => {
      if (wait === undefined || !session.isOpen) return;
      deps.metrics.serverClosed('message_budget');
      ws.close(CloseCode.POLICY_VIOLATION, 'message budget exceeded');
    }, () => {}); // never rejects: a check Redis cannot answer is made locally
    const message = parseClientMessage(raw);
    const isObject = typeof message === 'object' && message !== null && !Array.isArray(message);
    if (!isObject) {
      registry.send(ws, messages.error(WsErrorCode.BAD_JSON, 'messages are JSON objects with a "type"'));
      return;
    }
    const type = (message as { type?: unknown }).type;
    if (type === 'subscribe' && session.kind === 'monitor') {
      deps.resubscribe(ws, message as Record<string, unknown>);
      return;
    }
    if (!isClientMessage.Check(message) || message.type === 'subscribe') {
      // A refresh without a usable token is a refused refresh, not an unknown message.
      const known = session.kind === 'monitor' ? 'ping, refresh, subscribe' : 'ping, refresh';
      registry.send(ws, type === 'refresh' ? invalidToken() : messages.error(WsErrorCode.UNKNOWN_TYPE, `known types: ${known}`));
      return;
    }
    switch (message.type) {
      case 'ping':
        registry.send(ws, messages.pong());
        break;
      case 'refresh':
        refresh(ws, message.token).catch(() => ws.data.session.isOpen && registry.send(ws, invalidToken()));
        break;
    }
  };
}

/** A monitor filter without the message's `type`. */
export function filterFields(message: Record<string, unknown>): Partial<MonitorFilter> {
  const { type: _type, ...fields } = message;
  return fields;
}

/**
 * A client's text frame as JSON, or undefined for anything that is not JSON (binary frames
 * included): those are answered with `bad_json`.
 */
function parseClientMessage(message: string | Buffer): unknown {
  if (typeof message !== 'string') return undefined;
  try {
    return JSON.parse(message);
  } catch {
    return undefined;
  }
}
