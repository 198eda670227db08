/**
 * What an admin does to a player, each action all-or-nothing and recorded in the audit log in
 * the transaction that applies it:
 * - adjust: the ledger moves the balance (never below zero) and writes the audit row in one
 *   transaction, the admin's Idempotency-Key honoured as a play's; the player's sockets on
 *   every instance get a `balance_update` (published after the commit, by the ledger's hook).
 * - block / unblock: the account's status, (block) its refresh tokens revoked, the audit row,
 *   in one transaction; then the player's sockets on every instance close 4003. Should the
 *   broker fail right after the commit, the block stands (plays, logins and refreshes are
 *   refused by the database) and every instance's sweep closes the sockets within SWEEP_MS.
 * - disconnect: refused at once (503, nothing recorded) while the broker cannot reach the other
 *   instances; otherwise the audit row and the broker's message go together (a message the
 *   broker refuses rolls the row back), then this instance's sockets close 4004 and the
 *   others' answers are counted.
 */
import type { SQL } from 'bun';
import type { RefreshTokenStore } from '../auth/refresh-tokens';
import { AppError, badRequest, conflict, notFound } from '../errors';
import { fromMinor, toMinor } from '../money';
import { checkIdempotencyKey } from '../play/service';
import { CloseCode } from '../../client/protocol/close-codes';
import type { ClusterControl } from '../realtime/control';
import { insertAudit, type AuditAction } from '../storage/audit';
import type { Ledger } from '../wallet/ledger';
import type { AdminUser, AdjustBody } from '../../client/protocol/admin';
import type { Players } from './users';

/** Tries the answer waits for when an applied action's audit row cannot be written at once (≈ 1.5 s). */
const LATE_RECORD_ATTEMPTS_AWAITED = 5;

/** Largest adjustment either way, in money: far above any balance, well inside exact integers of cents. */
const MAX_ADJUSTMENT = 1e12;

export type ActionDeps = {
  sql: SQL;
  ledger: Ledger;
  players: Players;
  refreshTokens: RefreshTokenStore;
  control: ClusterControl;
  /** Whether the broker reaches the other instances now. */
  isBrokerConnected: () => boolean;
  /** A step after an action was applied that failed (its sweep makes up for it): logged by the caller. */
  onAfterCommitError?: (what: string, error: unknown) => void;
  now?: () => number;
};

/** A response and whether it repeats an earlier one (Idempotent-Replayed). */
export type ActionResponse = { body: string; replayed: boolean };

const brokerUnavailable = () => new AppError(503, 'broker_unavailable', 'the other instances cannot be reached now; nothing was done, try again shortly', { 'retry-after': '1' });

function checkReason(reason: string): string {
  const trimmed = reason.trim();
  if (trimmed.length === 0) throw badRequest('invalid_reason', 'reason: 1 to 200 characters saying why');
  return trimmed;
}

function parseAmount(amount: number): number {
  const minor = Number.isFinite(amount) && Math.abs(amount) <= MAX_ADJUSTMENT ? toMinor(amount) : undefined;
  if (minor === undefined || minor === 0) throw badRequest('invalid_amount', `amount: a signed amount other than 0, at most two decimals, up to ${MAX_ADJUSTMENT} either way`);
  return minor;
}

const requestHash = (userId: number, amountMinor: number, reason: string) => new Bun.CryptoHasher('sha256').update(`adjust\n${userId}\n${amountMinor}\n${reason}`).digest('hex');

export class AdminActions {
  private readonly now: () => number;

  constructor(private readonly deps: ActionDeps) {
    this.now = deps.now ?? Date.now;
  }

  async adjust(adminId: number, userId: number, body: AdjustBody, idempotencyKey: string | undefined): Promise<ActionResponse> {
    const amountMinor = parseAmount(body.amount);
    const reason = checkReason(body.reason);
    checkIdempotencyKey(idempotencyKey);
    const user = await this.user(userId);
    const outcome = await this.deps.ledger.adjust({
      kind: 'adjustment',
      userId,
      adminId,
      amountMinor,
      reason,
      idempotency: idempotencyKey === undefined ? undefined : { key: idempotencyKey, requestHash: requestHash(userId, amountMinor, reason) },
      respond: (adjustment) => JSON.stringify({ user: { ...user, balance: fromMinor(adjustment.balanceMinor) }, adjustment_id: adjustment.auditId }),
    });
    switch (outcome.kind) {
      case 'adjusted':
        return { body: outcome.response, replayed: false };
      case 'replayed':
        return { body: outcome.response, replayed: true };
      case 'refused':
        if (outcome.refusal === 'insufficient_funds') throw new AppError(402, 'insufficient_funds', 'the adjustment would take the balance below zero');
        if (outcome.refusal === 'idempotency_key_reused') throw new AppError(422, 'idempotency_key_reused', 'this Idempotency-Key was used for a different request');
        throw conflict('idempotency_key_in_use', 'a request with this Idempotency-Key is still being processed');
    }
  }

  async block(adminId: number, userId: number, rawReason: string): Promise<{ user: AdminUser }> {
    const reason = checkReason(rawReason);
    if (userId === adminId) throw badRequest('cannot_block_self', 'an admin cannot block their own account');
    const user = await this.setStatus(adminId, userId, 'blocked', reason);
    await this.closeEverywhere(userId, CloseCode.ACCOUNT_BLOCKED, 'account blocked');
    return { user };
  }

  async unblock(adminId: number, userId: number, rawReason: string): Promise<{ user: AdminUser }> {
    return { user: await this.setStatus(adminId, userId, 'active', checkReason(rawReason)) };
  }

  async disconnect(adminId: number, userId: number, rawReason: string): Promise<{ closed: number }> {
    const reason = checkReason(rawReason);
    if (!this.deps.isBrokerConnected()) throw brokerUnavailable();
    const audit = this.auditRow(adminId, 'disconnect', userId, reason);
    let counted: Promise<number> | undefined;
    try {
      await this.deps.sql.begin(async (tx) => {
        const [row] = await tx`SELECT id FROM users WHERE id = ${userId}`;
        if (!row) throw notFound('user_not_found', 'no user has that id');
        await insertAudit(tx, audit);
        // Told to the others before the commit: if the broker refuses it, the row rolls back.
        try {
          ({ counted } = await this.deps.control.announceClose(userId, CloseCode.CLOSED_BY_ADMIN, 'closed by an administrator'));
        } catch {
          throw brokerUnavailable();
        }
      });
    } catch (error) {
      // Nothing was told: refused, and nothing recorded.
      if (counted === undefined) throw error;
      // Told (the sockets are closing everywhere), then the commit failed: the action was
      // applied, so it is recorded, now or as soon as the database takes it.
      await this.recordLate(audit);
    }
    const here = this.deps.control.closeHere(userId, CloseCode.CLOSED_BY_ADMIN, 'closed by an administrator');
    return { closed: here + (await counted!) };
  }

  /** Writes the audit row of an action already applied, retrying (a little slower each time) until the database takes it. */
  private async recordLate(audit: Parameters<typeof insertAudit>[1]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.deps.sql.begin((tx) => insertAudit(tx, audit));
        return;
      } catch (error) {
        this.deps.onAfterCommitError?.('recording an applied disconnect', error);
        if (attempt >= LATE_RECORD_ATTEMPTS_AWAITED) {
          // The answer does not wait for ever; the row still gets written once the database is back.
          this.recordLate(audit).catch((later) => this.deps.onAfterCommitError?.('recording an applied disconnect', later));
          return;
        }
        await Bun.sleep(Math.min(2_000, 50 * 2 ** attempt));
      }
    }
  }

  private async user(userId: number): Promise<AdminUser> {
    const [user] = await this.deps.players.byIds([userId]);
    if (!user) throw notFound('user_not_found', 'no user has that id');
    return user;
  }

  private async setStatus(adminId: number, userId: number, status: AdminUser['status'], reason: string): Promise<AdminUser> {
    const row = await this.deps.sql.begin(async (tx): Promise<{ id: number } | undefined> => {
      const [updated] = await tx`UPDATE users SET status = ${status} WHERE id = ${userId} RETURNING id`;
      if (!updated) return undefined;
      if (status === 'blocked') await this.deps.refreshTokens.revokeAll(userId, tx);
      await insertAudit(tx, this.auditRow(adminId, status === 'blocked' ? 'block' : 'unblock', userId, reason));
      return updated;
    });
    if (!row) throw notFound('user_not_found', 'no user has that id');
    return this.user(userId);
  }

  /** After a block's commit: the other instances told, this one's sockets closed; a failure is made up for by each instance's sweep. */
  private async closeEverywhere(userId: number, code: number, reason: string): Promise<void> {
    try {
      await this.deps.control.announceClose(userId, code, reason);
    } catch (error) {
      this.deps.onAfterCommitError?.('announcing a block to the other instances', error);
    }
    this.deps.control.closeHere(userId, code, reason);
  }

  private auditRow(adminId: number, action: AuditAction, userId: number, reason: string) {
    return { at: this.now(), admin_id: adminId, action, user_id: userId, amount: null, reason };
  }
}
