/**
 * An offline verifier of provably fair plays, self-contained: it uses only WebCrypto
 * (`crypto.subtle`), so it runs in browsers, Bun, Node 20+ and Deno, and it follows
 * FAIRNESS.md, not the server's code (which uses Bun's own HMAC), so a server change that
 * breaks the documented algorithm shows up as a disagreement.
 *
 *   bun client/fairness.ts <game_type> <server_seed> <client_seed> <nonce> '<params json>'
 *
 * prints the play's `result` (payout and fairness included).
 */
import type { GameType } from './protocol/games';

export type VerifyInput = {
  /** Every game of the wire contract: one without a mapping below does not compile. */
  game_type: GameType;
  server_seed: string;
  client_seed: string;
  nonce: number;
  params: Record<string, unknown>;
};

const hexToBytes = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
const bytesToHex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');

/** FAIRNESS.md §1: the first `rounds` HMAC blocks, as big-endian 32-bit words. */
export async function words(serverSeed: string, clientSeed: string, nonce: number, rounds = 2): Promise<number[]> {
  const key = await crypto.subtle.importKey('raw', hexToBytes(serverSeed), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const out: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const block = new DataView(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${clientSeed}:${nonce}:${round}`)));
    for (let at = 0; at < 32; at += 4) out.push(block.getUint32(at, false));
  }
  return out;
}

/** Thrown when a play needs more words than were computed: verify computes more and retries. */
class OutOfWords extends Error {}

/** FAIRNESS.md §2: integers by rejection, floats from 53 bits of two words. */
export function draws(stream: number[]) {
  let at = 0;
  const next = () => {
    if (at === stream.length) throw new OutOfWords();
    return stream[at++]!;
  };
  return {
    int(n: number): number {
      const limit = 4_294_967_296 - (4_294_967_296 % n);
      for (;;) {
        const w = next();
        if (w < limit) return w % n;
      }
    },
    float(): number {
      const high = Math.floor(next() / 32); // top 27 bits
      const low = Math.floor(next() / 64); // top 26 bits
      return (high * 2 ** 26 + low) / 2 ** 53;
    },
  };
}

/** Cents of a bet times a multiplier in hundredths, rounded down to a cent. */
const pay = (betCents: number, hundredths: number) => Math.floor((betCents * hundredths) / 100);

const REELS: [string, number, number][] = [
  ['cherry', 7, 500],
  ['lemon', 6, 1000],
  ['bell', 4, 2500],
  ['star', 2, 10_000],
  ['seven', 1, 50_000],
];
const GACHA: [string, number, number, string[]][] = [
  ['common', 700, 40, ['wooden sword', 'leather cap', 'bread', 'torch']],
  ['rare', 240, 150, ['silver dagger', 'chain mail', 'healing potion']],
  ['epic', 50, 300, ['flame staff', 'griffin mount']],
  ['legendary', 10, 1500, ['dragon crown']],
];
const HANDS = ['rock', 'paper', 'scissors'];

/** FAIRNESS.md §3: each game's mapping; returns the result and the payout in cents. */
function play(input: VerifyInput, rng: ReturnType<typeof draws>): { result: Record<string, unknown>; payoutCents: number } {
  const betCents = Math.round(Number(input.params.bet) * 100);
  switch (input.game_type) {
    case 'slot': {
      const reels = [0, 1, 2].map(() => {
        let roll = rng.int(20);
        const hit = REELS.find(([, weight]) => (roll -= weight) < 0)!;
        return hit[0];
      });
      const cherries = reels.filter((r) => r === 'cherry').length;
      const hundredths = reels[0] === reels[1] && reels[1] === reels[2] ? REELS.find(([name]) => name === reels[0])![2] : cherries === 2 ? 50 : 0;
      return { result: { reels, multiplier: hundredths / 100 }, payoutCents: pay(betCents, hundredths) };
    }
    case 'rps': {
      const choice = String(input.params.choice);
      const house = HANDS[rng.int(3)]!;
      const diff = (HANDS.indexOf(choice) - HANDS.indexOf(house) + 3) % 3;
      const outcome = diff === 0 ? 'draw' : diff === 1 ? 'win' : 'lose';
      const hundredths = { win: 194, draw: 100, lose: 0 }[outcome];
      return { result: { choice, house_choice: house, outcome, multiplier: hundredths / 100 }, payoutCents: pay(betCents, hundredths) };
    }
    case 'gacha': {
      let roll = rng.int(1000);
      const [rarity, , hundredths, items] = GACHA.find(([, perMille]) => (roll -= perMille) < 0)!;
      const item = items[rng.int(items.length)]!;
      return { result: { rarity, item, multiplier: hundredths / 100 }, payoutCents: pay(betCents, hundredths) };
    }
    case 'crash': {
      const cashout = Number(input.params.cashout);
      const target = Math.round(cashout * 100);
      const crashPoint = Math.floor(99 / (1 - rng.float()));
      const won = crashPoint >= target;
      return { result: { cashout, crash_point: crashPoint / 100, won, multiplier: won ? cashout : 0 }, payoutCents: won ? pay(betCents, target) : 0 };
    }
  }
}

/** The play's `result` as the server reported it, recomputed from the seeds alone. */
export async function verify(input: VerifyInput): Promise<Record<string, unknown>> {
  // Two blocks (16 words) cover every play but a run of rejections; then compute more.
  for (let rounds = 2; ; rounds *= 2) {
    const stream = await words(input.server_seed, input.client_seed, input.nonce, rounds);
    try {
      const { result, payoutCents } = play(input, draws(stream));
      const server_seed_hash = bytesToHex(await crypto.subtle.digest('SHA-256', hexToBytes(input.server_seed)));
      return { ...result, fairness: { server_seed_hash, client_seed: input.client_seed, nonce: input.nonce }, payout: payoutCents / 100 };
    } catch (error) {
      if (!(error instanceof OutOfWords)) throw error;
    }
  }
}

if (import.meta.main) {
  const [gameType, serverSeed, clientSeed, nonce, params] = process.argv.slice(2);
  if (!gameType || !serverSeed || !clientSeed || !nonce || !params) {
    console.error("usage: bun client/fairness.ts <game_type> <server_seed> <client_seed> <nonce> '<params json>'");
    process.exit(2);
  }
  const input = { game_type: gameType, server_seed: serverSeed, client_seed: clientSeed, nonce: Number(nonce), params: JSON.parse(params) } as VerifyInput;
  console.log(JSON.stringify(await verify(input)));
}
