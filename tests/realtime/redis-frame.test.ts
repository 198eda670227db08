import { describe, expect, it } from 'bun:test';
import { unframe } from '../../src/realtime/broker/redis';
import { messages } from '../../src/realtime/events';

describe('the frame that crosses Redis', () => {
  it('gives back origin, topic and the message exactly, newlines and quotes included', () => {
    const message = messages.error('x', 'a "quoted"\nmulti-line message');
    expect(unframe(`g1\norigin-1\nuser:7\n${message}`)).toEqual({ origin: 'origin-1', topic: 'user:7', message });
  });

  it('refuses another version or a truncated frame', () => {
    for (const text of ['{"origin":"a","topic":"t","message":"m"}', 'g2\na\nt\nm', 'g1\na', 'g1\na\nt', '']) expect(unframe(text)).toBeUndefined();
  });
});
