/**
 * A play's randomness, derived from the committed seeds: the bytes of
 * HMAC-SHA256(key = server seed bytes, message = "<client seed>:<nonce>:<round>") for round
 * 0, 1, 2, …, read four bytes at a time as big-endian unsigned 32-bit words. The words feed the
 * same `Rng` mapping as every other source (src/games/rng.ts): `int(n)` rejects the top sliver
 * of the 2^32 range, `float()` joins 27 + 26 bits of two words. FAIRNESS.md states it in full.
 */
import { createHash, createHmac } from 'node:crypto';
import { rngFrom, type Rng } from '../games/rng';

/** What a play's randomness is derived from. `serverSeed` is 64 hex digits (32 bytes). */
export type SeedTriple = { serverSeed: string; clientSeed: string; nonce: number };

/** The unsigned 32-bit words of the HMAC stream, one round (eight words) at a time. */
export function hmacWords({ serverSeed, clientSeed, nonce }: SeedTriple): () => number {
  const key = Buffer.from(serverSeed, 'hex');
  let round = 0;
  let block = Buffer.alloc(0);
  let offset = 0;
  return () => {
    if (offset === block.length) {
      block = createHmac('sha256', key).update(`${clientSeed}:${nonce}:${round++}`).digest();
      offset = 0;
    }
    const word = block.readUInt32BE(offset);
    offset += 4;
    return word;
  };
}

/** The Rng a play draws from under these seeds. */
export function hmacRng(seeds: SeedTriple): Rng {
  return rngFrom(hmacWords(seeds));
}

/** The commitment shown before play: SHA-256 of the seed's 32 bytes, in hex. */
export function seedHash(serverSeed: string): string {
  return createHash('sha256').update(Buffer.from(serverSeed, 'hex')).digest('hex');
}

/** A fresh server seed from the operating system's CSPRNG, as 64 hex digits. */
export function newServerSeed(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');
}

/** A default client seed: 16 random bytes in hex (the player may replace it). */
export function newClientSeed(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex');
}
