import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'bun:test';
import { ClientMessage, ServerMessage } from '../../client/protocol/messages';
import { useServer } from '../support/suite';

const suite = useServer();

async function document() {
  const response = await fetch(`${suite.server.url}/asyncapi.json`);
  expect(response.status).toBe(200);
  return { text: await response.text() };
}

const typesOf = (union: { anyOf: { properties: { type: { const: string } } }[] }) => union.anyOf.map((member) => member.properties.type.const);

describe('AsyncAPI', () => {
  it('is a valid AsyncAPI 3 document', async () => {
    const { text } = await document();
    const { document: parsed, diagnostics } = await new Parser().parse(text);
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(parsed?.version()).toBe('3.0.0');
  });

  it('has every server and client message type of src/realtime/events.ts, subscribe included', async () => {
    const doc = JSON.parse((await document()).text);
    const types = Object.keys(doc.components.messages);
    expect(types).toEqual(expect.arrayContaining([...typesOf(ServerMessage as never), ...typesOf(ClientMessage as never), 'subscribe']));
    expect(doc.components.messages.game_event.payload.required).toEqual(expect.arrayContaining(['event_id', 'game_type', 'user_id', 'bet', 'result', 'v', 'ts']));
    expect(Object.keys(doc.components.messages.subscribe.payload.properties).sort()).toEqual(['games', 'min_bet', 'min_multiplier', 'type', 'user_id']);
  });

  it('describes both streams: addresses, what each side sends, auth, since and close codes', async () => {
    const doc = JSON.parse((await document()).text);
    expect(doc.channels.user.address).toBe('/api/games/ws');
    expect(doc.channels.monitor.address).toBe('/api/games/ws/monitor');
    expect(doc.channels.user.bindings.ws.query.properties.since).toBeDefined();
    const sent = (op: string) => doc.operations[op].messages.map((m: { $ref: string }) => m.$ref.split('/').at(-1));
    expect(sent('sendUser').sort()).toEqual(['ping', 'refresh']);
    expect(sent('sendMonitor').sort()).toEqual(['ping', 'refresh', 'subscribe']);
    expect(sent('receiveMonitor')).toContain('monitor_snapshot');
    expect(sent('receiveUser')).toContain('ws_ack');
    expect(doc.components.securitySchemes.bearerSubprotocol.description).toContain('games.v1');
    expect(Object.keys(doc.channels.user['x-close-codes']).sort()).toEqual(['1001', '1007', '1008', '1009', '4001', '4002', '4003', '4004', '4005', '4006']);
    expect(doc.channels.monitor.bindings.ws.query.properties.since).toBeDefined();
  });
});

describe('AsyncAPI servers', () => {
  it('names the host it was fetched from, not a fixed localhost:8000', async () => {
    const doc = JSON.parse((await document()).text);
    const { host, port } = new URL(suite.server.url);
    expect(Object.values(doc.servers).map((server: any) => [server.host, server.protocol])).toEqual([[`${host}`, 'ws']]);
    expect(host).toEndWith(`:${port}`);
    const other = await (await fetch(`${suite.server.url}/asyncapi.json`, { headers: { host: 'games.example:9000' } })).json();
    expect(Object.values(other.servers).map((server: any) => server.host)).toEqual(['games.example:9000']);
  });
});
