import { describe, expect, it } from 'bun:test';
import { RingBuffer } from '../../src/realtime/ring-buffer';

describe('RingBuffer', () => {
  it('keeps the newest items up to its capacity, oldest first', () => {
    const ring = new RingBuffer<number>(3);
    expect(ring.latest()).toEqual([]);
    for (const n of [1, 2, 3, 4, 5]) ring.push(n);
    expect(ring.size).toBe(3);
    expect(ring.latest()).toEqual([3, 4, 5]);
    expect(ring.latest(2)).toEqual([4, 5]);
    expect(ring.latest(10)).toEqual([3, 4, 5]);
  });

  it('gives monotonic offsets starting at 1', () => {
    const ring = new RingBuffer<string>(2);
    expect(ring.lastOffset).toBe(0);
    expect(['a', 'b', 'c'].map((s) => ring.push(s))).toEqual([1, 2, 3]);
    expect(ring.lastOffset).toBe(3);
  });

  it('answers since(offset) while the items are still held, and undefined once they fell off', () => {
    const ring = new RingBuffer<string>(3);
    for (const s of ['a', 'b', 'c', 'd']) ring.push(s);
    expect(ring.since(4)).toEqual([]);
    expect(ring.since(2)).toEqual(['c', 'd']);
    expect(ring.since(1)).toEqual(['b', 'c', 'd']);
    expect(ring.since(0)).toBeUndefined();
    expect(ring.since(5)).toBeUndefined();
  });

  it('holds nothing with capacity 0 and refuses a negative capacity', () => {
    const ring = new RingBuffer<number>(0);
    ring.push(1);
    expect(ring.latest()).toEqual([]);
    expect(() => new RingBuffer(-1)).toThrow(RangeError);
  });

  it('stays correct across many wrap-arounds', () => {
    const ring = new RingBuffer<number>(7);
    for (let i = 1; i <= 1000; i++) ring.push(i);
    expect(ring.latest()).toEqual([994, 995, 996, 997, 998, 999, 1000]);
  });
});
