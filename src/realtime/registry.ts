/**
 * The open sockets of this instance, and the sweep that closes expired tokens (4001) and slow
 * readers (4002).
 */
import type { Clock } from '../clock';
import type { Metrics } from '../metrics';
import { CloseCode } from '../../client/protocol/close-codes';
import type { Socket } from './session';

const SWEEP_INTERVAL_MS = 200;

export class SocketRegistry {
  private readonly sockets = new Set<Socket>();
  private readonly sweeper: Timer;
  /** Something was sent since the last sweep, so a buffer may have grown. */
  private hasTraffic = false;
  /** No socket's token expires before this (epoch ms): until then expiry needs no scan. */
  private nextExpiry = Number.POSITIVE_INFINITY;

  constructor(
    private readonly slowSocketBytes: number,
    private readonly clock: Clock,
    private readonly metrics?: Metrics,
  ) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  get size(): number {
    return this.sockets.size;
  }

  /** The open sockets, to look at (tests, admin tools); change them through add/remove. */
  get open(): ReadonlySet<Socket> {
    return this.sockets;
  }

  add(ws: Socket): void {
    this.sockets.add(ws);
    this.nextExpiry = Math.min(this.nextExpiry, ws.data.session.expiresAt);
  }

  remove(ws: Socket): void {
    this.sockets.delete(ws);
  }

  /** Called for every publish to Bun's topics. */
  noteTraffic(): void {
    this.hasTraffic = true;
  }

  /** Sends one message; a socket whose buffer overflowed is closed 4002 rather than left with a gap. */
  send(ws: Socket, message: string): boolean {
    this.hasTraffic = true;
    const status = ws.send(message);
    if (status === 0) {
      this.closeTooSlow(ws);
      return false;
    }
    return true;
  }

  /** Seconds left on the socket's token. */
  expiresIn(ws: Socket): number {
    return Math.max(0, Math.floor((ws.data.session.expiresAt - this.clock.now()) / 1000));
  }

  /**
   * Bun drops a publish for a subscriber whose buffer is past `backpressureLimit` without a word;
   * closing a socket well before that (4002) means it never silently misses a message, and it
   * resumes with `since`. An idle server skips the pass: buffers only grow when something is
   * sent, and refreshes only move expiries later, so `nextExpiry` stays a safe lower bound.
   */
  sweep(): void {
    const now = this.clock.now();
    const checkBuffers = this.hasTraffic;
    if (!checkBuffers && now < this.nextExpiry) return;
    this.hasTraffic = false;
    let nextExpiry = Number.POSITIVE_INFINITY;
    for (const ws of this.sockets) {
      const { expiresAt } = ws.data.session;
      if (now >= expiresAt) ws.close(CloseCode.TOKEN_EXPIRED, 'token expired');
      else {
        nextExpiry = Math.min(nextExpiry, expiresAt);
        if (checkBuffers && ws.getBufferedAmount() > this.slowSocketBytes) this.closeTooSlow(ws);
      }
    }
    this.nextExpiry = nextExpiry;
  }

  private closeTooSlow(ws: Socket): void {
    this.metrics?.serverClosed('too_slow');
    ws.close(CloseCode.TOO_SLOW, 'too slow to keep up');
  }

  /** Closes every socket with `code` (shutdown). */
  closeAll(code: number, reason: string): void {
    for (const ws of this.sockets) ws.close(code, reason);
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}
