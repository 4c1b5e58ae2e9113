import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LruCache } from '../../src-core/common/lru';

test('LruCache keeps the most recently used entries: get counts as a use, peek does not', () => {
  const cache = new LruCache<number, string>(2);
  cache.set(1, 'a');
  cache.set(2, 'b');
  assert.equal(cache.get(1), 'a'); // 2 is now the least recently used
  cache.set(3, 'c');
  assert.deepEqual([cache.has(1), cache.has(2), cache.has(3)], [true, false, true]);
  assert.equal(cache.peek(1), 'a'); // 1 stays the least recently used
  cache.set(4, 'd');
  assert.deepEqual([cache.has(1), cache.has(3), cache.has(4), cache.size], [false, true, true, 2]);
  cache.set(3, 'c2'); // replacing is a use
  cache.set(5, 'e');
  assert.deepEqual([cache.peek(3), cache.has(4), cache.size], ['c2', false, 2]);
  cache.clear();
  assert.equal(cache.size, 0);
});
