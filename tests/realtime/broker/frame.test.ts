import { describe, expect, it } from 'bun:test';
import { FrameCodec, frameKey } from '../../../src/realtime/broker/frame';
import { messages } from '../../../src/realtime/events';

const key = frameKey('a cluster secret of the tests, long enough');
const pair = () => [new FrameCodec(key, 'origin-a'), new FrameCodec(key, 'origin-b')] as const;

describe('the frame that crosses Redis', () => {
  it('gives back topic and message exactly, newlines and quotes included', () => {
    const [a, b] = pair();
    const message = messages.error('x', 'a "quoted"\nmulti-line message');
    expect(b.open(a.seal('user:7', message))).toEqual({ topic: 'user:7', message });
  });

  it('drops its own echo', () => {
    const [a] = pair();
    expect(a.open(a.seal('monitor', '{}'))).toEqual({ dropped: 'echo' });
  });

  it('drops a frame sealed with another key, or with any byte changed', () => {
    const [a, b] = pair();
    const stranger = new FrameCodec(frameKey('another cluster'), 'origin-c');
    expect(b.open(stranger.seal('monitor', '{"type":"game_event"}'))).toEqual({ dropped: 'unauthenticated' });
    const sealed = a.seal('user:1', '{"type":"balance_update","balance":10}');
    const forged = sealed.replace('"balance":10', '"balance":99999999');
    expect(b.open(forged)).toEqual({ dropped: 'unauthenticated' });
    expect(b.open(sealed.replace('user:1', 'user:2'))).toEqual({ dropped: 'unauthenticated' });
    expect(b.open(sealed)).toEqual({ topic: 'user:1', message: '{"type":"balance_update","balance":10}' });
  });

  it('drops an authentic frame replayed, or one older than the last taken from its origin', () => {
    const [a, b] = pair();
    const first = a.seal('monitor', '1');
    const second = a.seal('monitor', '2');
    expect(b.open(second)).toEqual({ topic: 'monitor', message: '2' });
    expect(b.open(first)).toEqual({ dropped: 'replayed' });
    expect(b.open(second)).toEqual({ dropped: 'replayed' });
  });

  it('calls anything else malformed, and never throws', () => {
    const [, b] = pair();
    for (const text of ['', 'garbage', 'g1\nx\npresence\nnot json', 'g2\na\nnot-a-number\nt\nmac\nm', 'g2\na\n0\nt\nmac\nm', 'g2\n\n1\nt\nmac\nm', 'g2\na\n1\n\nmac\nm', null, 42, Buffer.from('x')]) {
      expect(b.open(text)).toEqual({ dropped: 'malformed' });
    }
  });
});
