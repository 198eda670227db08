/** The broker's topics: one per user (their plays and balance updates), presence, and control. */
export const USER_TOPIC_PREFIX = 'user:';
export const userTopic = (userId: number) => `${USER_TOPIC_PREFIX}${userId}`;
/** The broker topic of presence changes. */
export const PRESENCE_TOPIC = 'presence';
/** The broker topic of the cluster's control messages (control.ts). */
export const CONTROL_TOPIC = 'control';

/** The user a `user:<id>` topic is about; undefined for any other topic. */
export function userOfTopic(topic: string): number | undefined {
  if (!topic.startsWith(USER_TOPIC_PREFIX)) return undefined;
  const userId = Number(topic.slice(USER_TOPIC_PREFIX.length));
  return Number.isSafeInteger(userId) && userId >= 1 ? userId : undefined;
}
