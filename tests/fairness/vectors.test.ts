/**
 * The vectors written in FAIRNESS.md are the algorithm's fixed points: the offline verifier,
 * the server's own code and the server's verify endpoint must all reproduce them.
 */
import { describe, expect, it } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { draws, verify, words, type VerifyInput } from '../../client/fairness';
import { rngFrom } from '../../src/games/rng';
import { hmacRng, hmacWords, seedHash } from '../../src/fairness/hmac-rng';
import { fairOutcome } from '../../src/fairness/outcome';
import { games } from '../../src/games/catalogue';
import { fromMinor } from '../../src/money';
import { useServer } from '../support/suite';

type PlayVector = VerifyInput & { result: Record<string, unknown> };
type StreamVector = { server_seed: string; client_seed: string; nonce: number; words: number[]; float: number };

/** Every line of every ```jsonl block of FAIRNESS.md. */
function vectorsInFairnessMd(): unknown[] {
  const text = readFileSync(join(import.meta.dir, '../../FAIRNESS.md'), 'utf8');
  const blocks = [...text.matchAll(/```jsonl\n([\s\S]*?)```/g)].map((match) => match[1]!);
  return blocks.flatMap((block) => block.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line)));
}

const all = vectorsInFairnessMd();
const plays = all.filter((v): v is PlayVector => typeof v === 'object' && v !== null && 'result' in v);
const streams = all.filter((v): v is StreamVector => typeof v === 'object' && v !== null && 'words' in v);

describe('FAIRNESS.md vectors', () => {
  it('are there: at least two per game and one of the raw stream', () => {
    for (const game of games) expect(plays.filter((v) => v.game_type === game.type).length).toBeGreaterThanOrEqual(2);
    expect(streams.length).toBeGreaterThanOrEqual(1);
  });

  it('the stream: words and the first float, from the verifier and from the server', async () => {
    for (const v of streams) {
      const offline = await words(v.server_seed, v.client_seed, v.nonce, 2);
      const server = hmacWords({ serverSeed: v.server_seed, clientSeed: v.client_seed, nonce: v.nonce });
      expect(offline.slice(0, v.words.length)).toEqual(v.words);
      expect(v.words.map(() => server())).toEqual(v.words);
      expect(hmacRng({ serverSeed: v.server_seed, clientSeed: v.client_seed, nonce: v.nonce }).float()).toBe(v.float);
    }
  });

  it('rejection: a word in the top sliver is skipped, by the verifier and by the server alike', () => {
    // For n = 3 the top sliver is the single word 2^32 − 1.
    const stream = [0xffffffff, 5, 0xffffffff, 0xffffffff, 7];
    const server = ((i) => rngFrom(() => stream[i++]!))(0);
    const offline = draws(stream);
    expect([offline.int(3), offline.int(3)]).toEqual([2, 1]);
    expect([server.int(3), server.int(3)]).toEqual([2, 1]);
    expect(() => draws([0xffffffff]).int(3)).toThrow();
  });

  it('the offline verifier (client/fairness.ts) reproduces every result', async () => {
    for (const v of plays) expect(await verify(v)).toEqual(v.result);
  });

  it("the server's games on the HMAC stream reproduce every result", () => {
    for (const v of plays) {
      const game = games.find((g) => g.type === v.game_type)!;
      const seed = { serverSeed: v.server_seed, serverSeedHash: seedHash(v.server_seed), clientSeed: v.client_seed, nonce: v.nonce };
      const { result, payoutMinor } = fairOutcome(game, v.params, Math.round(Number(v.params.bet) * 100), seed);
      const recomputed: Record<string, unknown> = { ...result, payout: fromMinor(payoutMinor) };
      expect(recomputed).toEqual(v.result);
    }
  });

  describe('the verify endpoint', () => {
    const suite = useServer();
    it('returns every result, with no account', async () => {
      for (const v of plays) {
        const { game_type, server_seed, client_seed, nonce, params } = v;
        const response = await suite.client.post('/api/games/fairness/verify', { game_type, server_seed, client_seed, nonce, params });
        expect(response.status).toBe(200);
        expect(response.json).toEqual({ result: v.result });
      }
    });
  });
});
