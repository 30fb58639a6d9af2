import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { respondToFlag, type FlagState } from './respondToFlag.js';

const fresh: FlagState = { flags: 0, flagsInWindow: 0, flagWindowStart: 0n, autoSuspensions: 0 };
const profile = { flagThreshold: 3, flagWindow: 100, suspensionsBeforeRevoke: 2 };

/** Raises flags at the given block times, from `state`; returns the last result and every action. */
function flagsAt(times: number[], state = fresh, p = profile) {
  const actions: string[] = [];
  let current = state;
  for (const time of times) {
    const result = respondToFlag({ state: current, profile: p, blockTime: BigInt(time) });
    actions.push(result.action);
    current = result.state;
  }
  return { state: current, actions };
}

describe('respondToFlag (the graduated response)', () => {
  it('opens a window at the first flag and suspends at flagThreshold flags within it; the window closes', () => {
    const { state, actions } = flagsAt([1000, 1050, 1099]);
    assert.deepEqual(actions, ['none', 'none', 'suspend']);
    assert.deepEqual(state, { flags: 3, flagsInWindow: 0, flagWindowStart: 0n, autoSuspensions: 1 });
  });

  it('is a fixed window: a flag at windowStart + flagWindow starts a new one', () => {
    const { state, actions } = flagsAt([1000, 1050, 1100]);
    assert.deepEqual(actions, ['none', 'none', 'none']);
    assert.deepEqual(state, { flags: 3, flagsInWindow: 1, flagWindowStart: 1100n, autoSuspensions: 0 });
  });

  it('revokes instead at the suspension that reaches suspensionsBeforeRevoke', () => {
    const first = flagsAt([1, 2, 3]);
    const second = flagsAt([10, 11, 12], first.state);
    assert.deepEqual(second.actions, ['none', 'none', 'revoke']);
    assert.equal(second.state.autoSuspensions, 2);
  });

  it('0 disables a step: no suspension without a threshold, never a revocation without a limit', () => {
    assert.deepEqual(flagsAt([1, 2, 3, 4], fresh, { ...profile, flagThreshold: 0 }), {
      state: { ...fresh, flags: 4 },
      actions: ['none', 'none', 'none', 'none'],
    });
    const noLimit = { ...profile, suspensionsBeforeRevoke: 0 };
    assert.deepEqual(flagsAt([1, 2, 3], { ...fresh, autoSuspensions: 254 }, noLimit).actions.at(-1), 'suspend');
  });

  it('saturates the counters as the contract stores them', () => {
    const { state } = flagsAt(
      [1, 2, 3],
      { flags: 2 ** 32 - 1, flagsInWindow: 0, flagWindowStart: 0n, autoSuspensions: 255 },
      { ...profile, suspensionsBeforeRevoke: 0 },
    );
    assert.deepEqual([state.flags, state.autoSuspensions], [2 ** 32 - 1, 255]);
  });
});
