/**
 * The ledger, given at construction realtime's publisher for what it commits (each settled play
 * published through the hub and counted), and the hourly purge of expired Idempotency-Keys.
 */
import type { Clock } from '../clock';
import type { Rng } from '../games/rng';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { Hub } from '../realtime/hub';
import { PlayPublisher } from '../realtime/play-publisher';
import type { Database } from '../storage';
import { Ledger, type LedgerReport } from '../wallet/ledger';
import { ledgerStoreFor } from '../wallet/ledger-stores';

const IDEMPOTENCY_PURGE_INTERVAL_MS = 60 * 60 * 1000;

export type LedgerPartDeps = {
  db: Database;
  /** Tests only: plays draw from this instead of the committed seeds. */
  rng?: Rng;
  hub: Hub;
  metrics: Metrics;
  /** Where a failure to hand committed plays on is logged (throttled, as the hub's). */
  warnings: Pick<Logger, 'warn'>;
  logger: Logger;
  clock: Clock;
};

export function buildLedger({ db, rng, hub, metrics, warnings, logger, clock }: LedgerPartDeps) {
  const report: LedgerReport = {
    committed: (plays, seconds) => metrics.ledgerCommitted(plays, seconds),
    releaseFailed: (error) => warnings.warn('ledger: handing settled plays on failed', { error: String(error) }),
  };
  const ledger = new Ledger(ledgerStoreFor(db), rng, {
    // One transaction at a time on every engine. On PostgreSQL each one holds the event_order
    // row lock from its events to its commit, so more in flight only queue on it in smaller
    // batches (BENCHMARKS.md, "Cluster: issue 18": 4 -> 1 was 0.65x CPU per play, 1.6x plays/s).
    concurrency: 1,
    publisher: new PlayPublisher(hub.outbound, metrics),
    report,
  });
  const purge = setInterval(() => void ledger.purgeExpiredKeys(clock.now()).catch((error) => logger.warn('idempotency purge failed', { error: String(error) })), IDEMPOTENCY_PURGE_INTERVAL_MS);
  purge.unref();
  return {
    ledger,
    close(): void {
      clearInterval(purge);
    },
  };
}
