/**
 * What the delivery pipeline tells the outside (counted and logged by app's realtime part):
 * steps that failed, messages dropped, messages taken from other instances. One object handed
 * down at construction, so no stage keeps a callback of its owner's.
 */
import type { InboundKind } from './broker/broker';

export type FailedStep = 'publish' | 'gap_fill' | 'catch_up' | 'presence' | 'subscribe' | 'feed';

export interface DeliveryReport {
  /** A publish the broker could not take, or stored events that could not be read. */
  failed(step: FailedStep, error: unknown): void;
  /** A message never delivered (a frame that failed, an unknown topic or seq). */
  dropped(reason: string, error?: unknown): void;
  /** A message of another instance taken off the broker, by its kind. */
  received(kind: InboundKind): void;
}

/** Tells no one: for parts built without an observer (tests). */
export const silentReport: DeliveryReport = { failed() {}, dropped() {}, received() {} };
