import { BoundedMap } from "../../../apps/shared/bounded-map";

/** The keys a map still holds, of the candidates 0..n-1. */
function held(map: BoundedMap<number, number>, n: number): number[] {
  return Array.from({ length: n }, (_, i) => i).filter((i) => map.has(i));
}

test("forgets the oldest keys beyond its capacity, in insertion order", () => {
  const map = new BoundedMap<number, number>(3);
  for (let i = 0; i < 5; i++) map.add(i, i * 10);
  expect(held(map, 5)).toEqual([2, 3, 4]);
  expect(map.get(4)).toBe(40);
});

test("set re-inserts an existing key as the youngest, so it outlives keys added before it", () => {
  const map = new BoundedMap<number, number>(3);
  map.add(0, 0);
  map.add(1, 1);
  map.add(2, 2);
  map.set(0, 100); // 0 is now the youngest
  map.add(3, 3); // evicts 1, the oldest
  expect(held(map, 4)).toEqual([0, 2, 3]);
  expect(map.get(0)).toBe(100);
  map.add(4, 4); // evicts 2
  map.add(5, 5); // evicts 3
  map.add(6, 6); // evicts 0, the re-inserted key, last
  expect(held(map, 7)).toEqual([4, 5, 6]);
});

test("stays exact over many evictions mixed with deletes and re-insertions (the same as a plain model)", () => {
  const capacity = 50;
  const map = new BoundedMap<number, number>(capacity);
  const model: number[] = []; // keys, oldest first
  let seed = 7;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (let step = 0; step < 20_000; step++) {
    const key = random(200);
    const op = random(10);
    const at = model.indexOf(key);
    if (op === 0) {
      map.delete(key);
      if (at >= 0) model.splice(at, 1);
    } else if (at >= 0) {
      map.set(key, step);
      model.splice(at, 1);
      model.push(key);
    } else {
      map.add(key, step);
      model.push(key);
      if (model.length > capacity) model.shift();
    }
  }
  expect(held(map, 200)).toEqual([...model].sort((a, b) => a - b));
});
