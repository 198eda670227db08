/**
 * The cluster scenario's claim that its latency is play-to-socket ACROSS instances rests on
 * where the load agent puts each player's plays and socket: checked here for the shapes the
 * profiles use, and that a single server keeps everything on its one URL.
 */
import { describe, expect, it } from 'bun:test';
import { playUrl, streamUrl } from '../../bench/load/play';
import type { PlaySetup } from '../../bench/load/protocol';

const setup = (instances?: string[], players = 32, monitors = 4): PlaySetup => ({
  kind: 'ws',
  baseUrl: 'http://single',
  players: Array.from({ length: players }, (_, i) => ({ userId: i + 1, token: `t${i}` })),
  adminToken: 'admin',
  monitors,
  instances,
});

describe('cluster placement of the play driver', () => {
  it('puts every player’s socket on another instance than its plays, and uses both for plays', () => {
    const cluster = setup(['http://a', 'http://b']);
    const plays = cluster.players.map((_, i) => playUrl(cluster, i));
    for (const [i, url] of plays.entries()) expect(streamUrl(cluster, i)).not.toBe(url);
    expect(new Set(plays)).toEqual(new Set(['http://a', 'http://b']));
  });

  it('spreads the monitors over every instance', () => {
    const cluster = setup(['http://a', 'http://b'], 32, 1000);
    const monitors = Array.from({ length: cluster.monitors }, (_, j) => streamUrl(cluster, cluster.players.length + j));
    expect(monitors.filter((url) => url === 'http://a').length).toBe(500);
    expect(monitors.filter((url) => url === 'http://b').length).toBe(500);
  });

  it('keeps plays and sockets on the one server without instances', () => {
    const single = setup(undefined);
    expect(single.players.map((_, i) => [playUrl(single, i), streamUrl(single, i)]).flat()).toEqual(Array(64).fill('http://single'));
  });
});
