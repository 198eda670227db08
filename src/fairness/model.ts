import { Type as t } from '@sinclair/typebox';
import { t as elysia } from 'elysia';
import { GameType } from '../../client/protocol/games';

/** 1 to 64 visible ASCII characters (no spaces, so nothing is lost to trimming when retyped). */
export const ClientSeed = t.String({ pattern: '^[\\x21-\\x7e]{1,64}$', description: 'the player\'s seed, 1 to 64 printable ASCII characters', error: 'client_seed must be 1 to 64 printable ASCII characters, no spaces' });

export const ClientSeedBody = t.Object({ client_seed: ClientSeed }, { additionalProperties: false });
export type ClientSeedBody = typeof ClientSeedBody.static;

/** What a play's result carries: enough, once the seed is revealed, to recompute it. */
export const PlayFairness = t.Object({
  server_seed_hash: t.String(),
  client_seed: t.String(),
  nonce: t.Integer({ minimum: 0 }),
});
export type PlayFairness = typeof PlayFairness.static;

const Hex64 = t.String({ pattern: '^[0-9a-f]{64}$' });

export const FairnessState = t.Object({
  server_seed_hash: t.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the active server seed, hex' }),
  client_seed: t.String(),
  nonce: t.Integer({ minimum: 0, description: 'the nonce the next play will use' }),
});
export type FairnessState = typeof FairnessState.static;

export const Rotation = t.Object({
  revealed_server_seed: Hex64,
  revealed_server_seed_hash: Hex64,
  ...FairnessState.properties,
});
export type Rotation = typeof Rotation.static;

export const RevealedSeed = t.Object({
  id: t.Integer(),
  server_seed: Hex64,
  server_seed_hash: Hex64,
  client_seed: t.String({ description: 'the client seed active at the rotation' }),
  nonce: t.Integer({ minimum: 0, description: 'how many plays used this seed: nonces 0 to nonce − 1' }),
  created_at: t.String(),
  revealed_at: t.String(),
});
export type RevealedSeed = typeof RevealedSeed.static;

export const RevealedPage = t.Object({ seeds: t.Array(RevealedSeed), next_before: t.Union([t.Integer(), t.Null()]) });
export type RevealedPage = typeof RevealedPage.static;

/** As text: `FairnessService.revealed` reads each, so a bad one gets its own code (src/http/query.ts). */
export const RevealedQuery = t.Object({
  before: t.Optional(t.String({ description: 'a seed id from next_before: seeds revealed before it' })),
  limit: t.Optional(t.String({ description: 'page size, 1 to 100 (default 20)' })),
}, { additionalProperties: true });
export type RevealedQuery = typeof RevealedQuery.static;

export const VerifyBody = t.Object({
  game_type: GameType,
  server_seed: t.String({ pattern: '^[0-9a-f]{64}$', description: 'a revealed server seed: 64 lowercase hex digits', error: 'server_seed must be 64 lowercase hex digits' }),
  client_seed: ClientSeed,
  nonce: t.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  params: t.Record(t.String(), t.Unknown(), { description: 'the play\'s request body, e.g. { "bet": 1, "choice": "rock" }' }),
}, { additionalProperties: false });
export type VerifyBody = typeof VerifyBody.static;
