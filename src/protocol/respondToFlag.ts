import type { Profile } from './profile.js';

/** A device's flag bookkeeping, as the fleet's getDevice reports it. */
export type FlagState = {
  /** Every flag ever raised (saturates at 2^32 − 1). */
  flags: number;
  flagsInWindow: number;
  /** Block time of the first flag of the current window; 0 when no window is open. */
  flagWindowStart: bigint;
  /** Suspensions by the contract itself (saturates at 255). */
  autoSuspensions: number;
};

export type RespondToFlagParameters = {
  state: FlagState;
  profile: Pick<Profile, 'flagThreshold' | 'flagWindow' | 'suspensionsBeforeRevoke'>;
  /** Time of the block the flag is raised in. */
  blockTime: bigint;
};

export type RespondToFlagReturnType = {
  state: FlagState;
  /** What the flag does to an active device: nothing more, or the graduated response. */
  action: 'none' | 'suspend' | 'revoke';
};

const MAX_FLAGS = 2 ** 32 - 1;
const MAX_AUTO_SUSPENSIONS = 255;

/**
 * The graduated response to one flag raised on an active device (docs/protocol.md, "Behaviour
 * profiles and the graduated response"): `flagThreshold` flags within a fixed window of `flagWindow`
 * seconds, starting at the first flag by block time, suspend the device; the suspension that
 * reaches `suspensionsBeforeRevoke` automatic suspensions revokes it instead. 0 disables either step.
 */
export function respondToFlag({ state, profile, blockTime }: RespondToFlagParameters): RespondToFlagReturnType {
  const flags = Math.min(state.flags + 1, MAX_FLAGS);
  if (profile.flagThreshold === 0) return { state: { ...state, flags }, action: 'none' };
  const windowOpen = state.flagsInWindow !== 0 && blockTime < state.flagWindowStart + BigInt(profile.flagWindow);
  const next: FlagState = windowOpen
    ? { ...state, flags, flagsInWindow: state.flagsInWindow + 1 }
    : { ...state, flags, flagsInWindow: 1, flagWindowStart: blockTime };
  if (next.flagsInWindow < profile.flagThreshold) return { state: next, action: 'none' };
  const autoSuspensions = Math.min(state.autoSuspensions + 1, MAX_AUTO_SUSPENSIONS);
  const revoke = profile.suspensionsBeforeRevoke !== 0 && autoSuspensions >= profile.suspensionsBeforeRevoke;
  return { state: { flags, flagsInWindow: 0, flagWindowStart: 0n, autoSuspensions }, action: revoke ? 'revoke' : 'suspend' };
}
