/**
 * Server-side monitor filters. Monitors that want everything share the `monitor` topic; each
 * distinct filter gets a topic of its own, published to only with the events that pass it, so
 * a monitor that wants big wins is not sent every event. Filters in use are few (a dashboard's
 * handful), so each event is checked against each of them once, not once per monitor.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { MonitorFilter, type GameEvent } from '../../client/protocol/messages';
import { GAME_TYPES } from '../games/catalogue';

export const MONITOR_TOPIC = 'monitor';
/** Presence for monitors with a filter (unfiltered ones get it on MONITOR_TOPIC). */
export const MONITOR_PRESENCE_TOPIC = 'monitor:presence';

const isMonitorFilter = TypeCompiler.Compile(MonitorFilter);

type FilterTopic = { filter: MonitorFilter; topic: string; monitors: number };

/** The filter in the upgrade's query (`games=slot,crash&user_id=&min_bet=&min_multiplier=`), or an error message. */
export function filterFromQuery(query: Record<string, string | undefined>): MonitorFilter | undefined | { error: string } {
  const filter: Record<string, unknown> = {};
  if (query.games !== undefined) filter.games = query.games.split(',').filter(Boolean);
  for (const name of ['user_id', 'min_bet', 'min_multiplier'] as const) {
    const raw = query[name];
    if (raw !== undefined) filter[name] = raw.trim() === '' ? NaN : Number(raw);
  }
  return checkFilter(filter);
}

/** Each filter field's rule in words: a refusal names the field that failed, not a schema path. */
const FILTER_RULES: Record<string, string> = {
  games: `games must be a comma-separated list of at most 8 of ${GAME_TYPES.join(', ')}`,
  user_id: 'user_id must be a positive integer',
  min_bet: `min_bet must be a number from 0 to ${MonitorFilter.properties.min_bet.maximum}`,
  min_multiplier: `min_multiplier must be a number from 0 to ${MonitorFilter.properties.min_multiplier.maximum}`,
};

/** A filter as a client sent it, checked; an empty one is no filter. */
export function checkFilter(candidate: Record<string, unknown>): MonitorFilter | undefined | { error: string } {
  if (!isMonitorFilter.Check(candidate)) {
    const issue = isMonitorFilter.Errors(candidate).First();
    const field = issue?.path.split('/')[1] ?? '';
    return { error: FILTER_RULES[field] ?? `monitor filter ${field || 'message'}: ${issue?.message ?? 'invalid'}` };
  }
  const { games, user_id, min_bet, min_multiplier } = candidate;
  const isEmpty = games === undefined && user_id === undefined && min_bet === undefined && min_multiplier === undefined;
  return isEmpty ? undefined : { games, user_id, min_bet, min_multiplier };
}

export function passes(filter: MonitorFilter, event: Pick<GameEvent, 'game_type' | 'user_id' | 'bet' | 'result'>): boolean {
  if (filter.games && !filter.games.includes(event.game_type)) return false;
  if (filter.user_id !== undefined && event.user_id !== filter.user_id) return false;
  if (filter.min_bet !== undefined && event.bet < filter.min_bet) return false;
  if (filter.min_multiplier !== undefined && event.result.payout / event.bet < filter.min_multiplier) return false;
  return true;
}

export class MonitorFeed {
  private readonly topics = new Map<string, FilterTopic>();

  /** The topic a monitor with `filter` subscribes to; `release` when it leaves or changes filter. */
  acquire(filter: MonitorFilter | undefined): { topic: string; release: () => void } {
    if (!filter) return { topic: MONITOR_TOPIC, release: () => {} };
    const key = JSON.stringify([filter.games ? [...filter.games].sort() : null, filter.user_id ?? null, filter.min_bet ?? null, filter.min_multiplier ?? null]);
    let entry = this.topics.get(key);
    if (!entry) this.topics.set(key, (entry = { filter, topic: `monitor:${key}`, monitors: 0 }));
    entry.monitors += 1;
    let isReleased = false;
    return {
      topic: entry.topic,
      release: () => {
        if (isReleased) return;
        isReleased = true;
        entry.monitors -= 1;
        if (entry.monitors === 0) this.topics.delete(key);
      },
    };
  }

  /** Sends a game_event to the unfiltered monitors and to each filter topic it passes. */
  publishEvent(message: string, publish: (topic: string, message: string) => unknown): void {
    publish(MONITOR_TOPIC, message);
    if (this.topics.size === 0) return;
    const event = JSON.parse(message) as GameEvent;
    for (const { filter, topic } of this.topics.values()) if (passes(filter, event)) publish(topic, message);
  }

  /** Presence goes to every monitor, filtered or not. */
  publishPresence(message: string, publish: (topic: string, message: string) => unknown): void {
    publish(MONITOR_TOPIC, message);
    if (this.topics.size > 0) publish(MONITOR_PRESENCE_TOPIC, message);
  }
}
