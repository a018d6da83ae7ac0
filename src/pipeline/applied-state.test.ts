import { createValuePublisher } from './applied-state.js';

describe('createValuePublisher', () => {
  it('has no latest value before the first publish and keeps only the last one', () => {
    const p = createValuePublisher<number>(() => undefined);
    expect(p.latest()).toBeUndefined();
    p.publish(1);
    p.publish(2);
    expect(p.latest()).toBe(2);
  });

  it('gives a new subscriber the latest value at once, then every later one, in subscription order', () => {
    const p = createValuePublisher<number>(() => undefined);
    const seen: string[] = [];
    p.subscribe((v) => seen.push(`a${v}`));
    p.publish(1);
    p.subscribe((v) => seen.push(`b${v}`));
    p.publish(2);
    expect(seen).toEqual(['a1', 'b1', 'a2', 'b2']);
  });

  it('stops calling a subscriber after it unsubscribes', () => {
    const p = createValuePublisher<number>(() => undefined);
    const seen: number[] = [];
    const unsubscribe = p.subscribe((v) => seen.push(v));
    p.publish(1);
    unsubscribe();
    p.publish(2);
    expect(seen).toEqual([1]);
  });

  it('reports a subscriber that throws and still calls the others', () => {
    const errors: unknown[] = [];
    const p = createValuePublisher<number>((err) => errors.push(err));
    const seen: number[] = [];
    p.subscribe(() => {
      throw new Error('boom');
    });
    p.subscribe((v) => seen.push(v));
    p.publish(7);
    expect(seen).toEqual([7]);
    expect(errors).toEqual([new Error('boom')]);
  });
});
