/**
 * The realtime part: the hub (delivery both ways, given the event store as one object and one
 * report for what goes wrong), the cluster's control messages, the socket registry, the socket
 * limits, and the controller of the two socket routes built from them.
 */
import { blockedUserIds, isBlocked } from '../auth/users';
import { blockedCheck } from '../realtime/account-status';
import type { TokenService } from '../access-tokens';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { AddressOf } from '../client-address';
import { SharedRateLimiter, type Shared } from '../limits/shared-limits';
import { throttledWarnings, type Logger } from '../log';
import type { Metrics } from '../metrics';
import { realtimeController } from '../realtime';
import { MemoryBroker, type Broker } from '../realtime/broker';
import { BalanceReader } from '../realtime/balance-reader';
import { ClusterControl } from '../realtime/control';
import type { DeliveryReport } from '../realtime/delivery-report';
import { EventHistory } from '../realtime/event-reader';
import { Hub } from '../realtime/hub';
import type { Presence } from '../realtime/presence/presence';
import { SocketRegistry } from '../realtime/registry';
import { ResumeBudget } from '../realtime/resume-budget';
import { SocketOpenRate } from '../realtime/socket-open-rate';
import { ClusterSocketCaps } from '../realtime/cluster-socket-caps';
import { SocketQuota } from '../realtime/socket-quota';
import type { Database } from '../storage';

export type RealtimePartDeps = {
  config: Config;
  db: Database;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  broker?: Broker;
  presence?: Presence;
  /** Whether other instances share the broker and presence (realtime/backends.ts). */
  sharedBackends?: boolean;
  /** The cluster's limits with their fallback (parts/limits.ts); undefined without Redis. */
  shared?: Shared;
  /** This instance's name among the others (control.ts); a fresh one by default. */
  instanceId?: string;
};

/**
 * The hub's failures, drops and receipts: each counted, and logged one line per kind every 10 s
 * (with how many were folded into it): during a broker outage every play's publish fails.
 */
function deliveryReport(metrics: Metrics, warnings: Pick<Logger, 'warn'>): DeliveryReport {
  return {
    received: (kind) => metrics.brokerReceived(kind),
    failed: (what, error) => {
      if (what === 'publish') metrics.publishFailed();
      warnings.warn(`hub: ${what} failed`, { error: String(error) });
    },
    dropped: (reason, error) => {
      metrics.frameDropped(reason);
      warnings.warn(`broker: frame dropped (${reason})`, { error: String(error) });
    },
  };
}

export function buildRealtime({ config, db, clock, logger, metrics, shared, ...deps }: RealtimePartDeps) {
  const history = new EventHistory(db.sql);
  const balances = new BalanceReader(db.sql, db.sqlite);
  const warnings = throttledWarnings(logger, clock, 10_000);
  const registry = new SocketRegistry(config.WS_SLOW_BYTES, clock, metrics);
  const broker = deps.broker ?? new MemoryBroker();
  const control = clusterControl({ db, clock, logger, metrics, broker, registry, instanceId: deps.instanceId });
  const hub = new Hub(broker, {
    control,
    recentEvents: config.RECENT_EVENTS,
    presence: deps.presence,
    presenceGraceMs: config.WS_PRESENCE_GRACE_MS,
    history,
    balances,
    sharedBackends: deps.sharedBackends,
    report: deliveryReport(metrics, warnings),
    now: () => clock.now(),
  });
  const sockets = socketLimits(config, clock, shared);

  return {
    hub,
    control,
    registry,
    history,
    balances,
    /** Warnings throttled as the hub's (the ledger's release failures go here too). */
    warnings,
    /** The two socket routes. */
    controller: (tokens: TokenService, clientAddress: AddressOf) =>
      realtimeController({
        hub,
        clientAddress,
        tokens,
        history,
        balances,
        registry,
        metrics,
        logger,
        ...sockets,
        policy: { allowQueryToken: config.ALLOW_QUERY_TOKEN, allowedOrigins: config.ALLOWED_ORIGINS, publicOrigin: config.PUBLIC_URL && new URL(config.PUBLIC_URL).origin },
        resumeMaxEvents: config.RESUME_MAX_EVENTS,
        isBlocked: blockedCheck(db, (userId) => isBlocked(db.sql, userId)),
      }),
    /** Stops the registry's sweep, the limiters, the control timers and the hub. */
    async close(): Promise<void> {
      registry.close();
      sockets.openRate.close();
      sockets.resumeBudget.close();
      sockets.clusterBudget?.close();
      await control.stop();
      await hub.stop();
    },
  };
}

/** The cluster's control messages (control.ts): heartbeats, closing a user's sockets everywhere, the blocked-accounts sweep. */
function clusterControl(deps: { db: Database; clock: Clock; logger: Logger; metrics: Metrics; broker: Broker; registry: SocketRegistry; instanceId?: string }) {
  const { db, clock, metrics } = deps;
  const warnings = throttledWarnings(deps.logger, clock, 10_000);
  return new ClusterControl({
    broker: deps.broker,
    instanceId: deps.instanceId ?? crypto.randomUUID(),
    registry: deps.registry,
    blockedUsers: () => blockedUserIds(db.sql),
    pingDatabase: () => db.sql`SELECT 1`,
    onError: (what, error) => {
      if (what === 'malformed') metrics.frameDropped('malformed_control');
      warnings.warn(`control: ${what} failed`, { error: String(error) });
    },
    onClosed: (why) => metrics.serverClosed(why),
    now: () => clock.now(),
  });
}

/** Sockets per user and address (here and in the cluster), opens per minute, messages, resumes. */
function socketLimits(config: Config, clock: Clock, shared: Shared | undefined) {
  const quota = new SocketQuota(
    {
      perUser: config.WS_MAX_SOCKETS_PER_USER,
      perAddress: config.WS_MAX_SOCKETS_PER_ADDRESS,
      messageRatePerSecond: config.WS_MESSAGE_RATE_PER_SECOND,
      messageBurst: config.WS_MESSAGE_BURST,
    },
    clock,
  );
  const openRate = new SocketOpenRate(
    {
      userOpensPerMinute: config.WS_USER_OPENS_PER_MINUTE,
      userBurst: config.WS_USER_OPEN_BURST,
      addressOpensPerMinute: config.WS_ADDRESS_OPENS_PER_MINUTE,
      addressBurst: config.WS_ADDRESS_OPEN_BURST,
    },
    clock,
    shared,
  );
  const clusterCaps = new ClusterSocketCaps(shared, { perUser: config.WS_MAX_SOCKETS_PER_USER, perAddress: config.WS_MAX_SOCKETS_PER_ADDRESS });
  const clusterBudget = shared && new SharedRateLimiter('ws_messages', config.WS_MESSAGE_RATE_PER_SECOND, config.WS_MESSAGE_BURST, clock, shared);
  const resumeBudget = new ResumeBudget({ events: config.RESUME_BUDGET_EVENTS, intervalMs: config.RESUME_BUDGET_INTERVAL_SECONDS * 1000 }, clock, shared);
  return { quota, openRate, clusterCaps, clusterBudget, resumeBudget };
}

export type Realtime = ReturnType<typeof buildRealtime>;
