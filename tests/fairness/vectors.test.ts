/**
 * The vectors written in FAIRNESS.md are the algorithm's fixed points: the offline verifier,
 * the server's own code and the server's verify endpoint must all reproduce them.
 */
import { describe, expect, it } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verify, words, type VerifyInput } from '../../client/fairness';
import { hmacRng, hmacWords, seedHash } from '../../src/fairness/hmac-rng';
import { fairOutcome } from '../../src/fairness/outcome';
import { games } from '../../src/games/catalogue';
import { fromMinor } from '../../src/wallet/money';
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

  it('the stream: words and the first float, from the verifier and from the server', () => {
    for (const v of streams) {
      const offline = words(v.server_seed, v.client_seed, v.nonce);
      const server = hmacWords({ serverSeed: v.server_seed, clientSeed: v.client_seed, nonce: v.nonce });
      expect(v.words.map(() => offline())).toEqual(v.words);
      expect(v.words.map(() => server())).toEqual(v.words);
      expect(hmacRng({ serverSeed: v.server_seed, clientSeed: v.client_seed, nonce: v.nonce }).float()).toBe(v.float);
    }
  });

  it('the offline verifier (client/fairness.ts) reproduces every result', () => {
    for (const v of plays) expect(verify(v)).toEqual(v.result);
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
