/**
 * The back office's schemas: what `/api/admin/…` takes and answers (docs/API.md, "REST").
 * Query strings arrive as text and are read by the services, so that each bad value gets its
 * own error code (`invalid_from`, `invalid_q`, …), not a generic schema failure.
 */
import { Type as t } from '@sinclair/typebox';
import { Role } from './auth';
import { GameEvent } from './messages';

export const StatsQuery = t.Object({
  from: t.Optional(t.String({ maxLength: 40, description: 'ISO 8601 date or date-time with a zone (2025-08-16, 2025-08-16T12:00:00Z): plays at or after it; default all time' })),
  to: t.Optional(t.String({ maxLength: 40, description: 'ISO 8601 date or date-time with a zone: plays before it; default now and after' })),
  game_type: t.Optional(t.String({ maxLength: 16, description: 'only this game: one of the game types GET /api/games lists' })),
});
export type StatsQuery = typeof StatsQuery.static;

export const GameTotals = t.Object({
  plays: t.Integer(),
  bet: t.Number({ description: 'sum of the bets' }),
  payout: t.Number({ description: 'sum of the payouts' }),
  ggr: t.Number({ description: 'gross gaming revenue: bet − payout' }),
  rtp: t.Union([t.Number(), t.Null()], { description: 'payout ÷ bet; null with no bets' }),
});
export type GameTotals = typeof GameTotals.static;

export const StatsResponse = t.Object({
  from: t.Union([t.String(), t.Null()], { description: 'the period start as given (ISO 8601 UTC); null: all time' }),
  to: t.Union([t.String(), t.Null()], { description: 'the period end, exclusive; null: up to now' }),
  games: t.Record(t.String(), GameTotals, { description: 'every game (or the one asked for), with zeros where nothing was played' }),
  all: GameTotals,
});
export type StatsResponse = typeof StatsResponse.static;

/** `?ids=` or `?q=` (one of them), read by the service for their own error codes. */
export const UsersQuery = t.Object({
  ids: t.Optional(t.String({ description: '1 to 100 comma-separated user ids, e.g. 1,2,3' })),
  q: t.Optional(t.String({ description: 'a username prefix, 1 to 32 of A-Z a-z 0-9 _ (any case): the accounts whose name starts with it, by name' })),
  limit: t.Optional(t.String({ description: 'with q: at most this many, 1 to 100 (default 20)' })),
});
export type UsersQuery = typeof UsersQuery.static;

export const AccountStatus = t.Union([t.Literal('active'), t.Literal('blocked')]);
export type AccountStatus = typeof AccountStatus.static;

/** An account as admins see it: the user, and whether it is blocked. */
export const AdminUser = t.Object({ id: t.Integer(), username: t.String(), role: Role, balance: t.Number(), status: AccountStatus });
export type AdminUser = typeof AdminUser.static;

export const UsersResponse = t.Object({ users: t.Array(AdminUser) });
export type UsersResponse = typeof UsersResponse.static;

/** Why an admin acted, for the audit log: 1 to 200 characters (spaces around are dropped). */
export const Reason = t.String({ minLength: 1, maxLength: 200, description: 'why, for the audit log: 1 to 200 characters' });

export const AdjustBody = t.Object({
  amount: t.Number({ description: "signed money added to the player's balance (at most two decimals, not 0): never below zero" }),
  reason: Reason,
}, { additionalProperties: false });
export type AdjustBody = typeof AdjustBody.static;

export const ReasonBody = t.Object({ reason: Reason }, { additionalProperties: false });
export type ReasonBody = typeof ReasonBody.static;

export const AdjustResponse = t.Object({ user: AdminUser, adjustment_id: t.Integer({ description: "the adjustment's entry in the audit log" }) });
export const UserResponse = t.Object({ user: AdminUser });
export const DisconnectResponse = t.Object({ closed: t.Integer({ description: "the player's sockets closed, on every instance that answered" }) });

export const AuditAction = t.Union([t.Literal('adjust'), t.Literal('block'), t.Literal('unblock'), t.Literal('disconnect')]);

export const AuditEntry = t.Object({
  id: t.Integer(),
  at: t.String({ description: 'ISO 8601 UTC' }),
  admin_id: t.Integer(),
  action: AuditAction,
  user_id: t.Integer(),
  amount: t.Optional(t.Number({ description: 'adjust only: the signed amount' })),
  reason: t.String(),
});
export type AuditEntry = typeof AuditEntry.static;

export const AuditQuery = t.Object({
  limit: t.Optional(t.String({ description: 'page size, 1 to 100 (default 50)' })),
  before: t.Optional(t.String({ description: 'an entry id from next_before: older entries' })),
  user_id: t.Optional(t.String({ description: 'only the actions on this player' })),
});

export const AuditPage = t.Object({
  entries: t.Array(AuditEntry, { description: 'newest first' }),
  next_before: t.Union([t.Integer(), t.Null()], { description: 'pass as before for the next page; null at the end' }),
});
export type AuditPage = typeof AuditPage.static;

export const Profile = t.Object({
  user: t.Composite([AdminUser, t.Object({ created_at: t.String({ description: 'ISO 8601 UTC' }) })]),
  totals: t.Object({ games: t.Record(t.String(), GameTotals), all: GameTotals }, { description: "the player's plays of all time, summed from the ledger" }),
  recent_events: t.Array(GameEvent, { description: 'the newest 20 events, newest first; GET /api/admin/events?user_id= pages further' }),
  audit: t.Array(AuditEntry, { description: 'the newest 20 actions on this player, newest first; GET /api/admin/audit?user_id= pages further' }),
});
export type Profile = typeof Profile.static;

export const ClusterNode = t.Object({
  instance: t.String(),
  self: t.Boolean({ description: 'the instance that answered' }),
  started_at: t.String(),
  seen_at: t.String({ description: 'when it last announced itself' }),
  sockets: t.Object({ user: t.Integer(), monitor: t.Integer() }),
  broker: t.Boolean({ description: 'its broker reaches the other instances' }),
  database: t.Union([t.Literal('ok'), t.Literal('unavailable'), t.Literal('unknown')], { description: 'its last database ping' }),
});

export const ClusterState = t.Object({
  instances: t.Array(ClusterNode, { description: 'the live instances (heard within 6 s), the answering one first' }),
  broker: t.Object({ name: t.String(), connected: t.Boolean() }),
  database: t.Object({ dialect: t.String(), ok: t.Boolean() }),
});
export type ClusterState = typeof ClusterState.static;
