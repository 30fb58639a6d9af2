import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createQuestionSequence } from './createQuestionSequence.js';

it('a question sequence follows the clock (ms) and stays strictly increasing when the clock stands still or goes back', () => {
  let clock = 5_000;
  const sequence = createQuestionSequence({ now: () => clock });
  assert.equal(sequence.next(), 5_000n);
  assert.equal(sequence.next(), 5_001n, 'same millisecond');
  clock = 4_000;
  assert.equal(sequence.next(), 5_002n, 'clock went back');
  clock = 9_000;
  assert.equal(sequence.next(), 9_000n);
  const other = createQuestionSequence({ now: () => clock });
  assert.equal(other.next(), 9_000n, 'each holder has its own state: nothing is shared across the process');
});
