import type { Address } from 'viem';
import type { FleetEvent } from '../chain/fleetEvents.js';
import type { FlagReason } from '../protocol/reasons.js';

/** What should become of one reading the demo sends: the simulator's model (inspectReading) or an attack's expectation. */
export type ExpectedOutcome =
  | { kind: 'accepted' }
  | { kind: 'flagged'; reasons: readonly FlagReason[] }
  | { kind: 'refused'; reason: string };

/** What did become of it: the gateway's refusal, or the contract's verdict (none: `missing`). */
export type RecordedOutcome = ExpectedOutcome | { kind: 'skipped'; reason: string } | { kind: 'missing' };

/** One reading the demo sent, with what it expected and what the gateway answered for it. */
export type Submission = {
  /** 'fleet', or the attack that sent it. */
  source: string;
  device: Address;
  sequence: bigint;
  expected: ExpectedOutcome;
  /** The gateway's refusal reason; undefined when it acknowledged the reading (202). */
  refusedAs: string | undefined;
};

export type OutcomeMismatch = { source: string; device: Address; sequence: string; expected: string; recorded: string };

export type CompareOutcomesReturnType = {
  submissions: number;
  matched: number;
  /** Per kind of outcome ("accepted", "flagged OutOfRange", "refused replayed_sequence", ...): how many were expected and recorded. */
  byKind: Array<{ kind: string; expected: number; recorded: number }>;
  mismatches: OutcomeMismatch[];
};

/** "accepted", "flagged OutOfRange+TooFrequent", "refused bad_signature", "skipped DeviceSuspended", "missing". */
export function outcomeLabel(outcome: RecordedOutcome): string {
  switch (outcome.kind) {
    case 'accepted':
    case 'missing':
      return outcome.kind;
    case 'flagged':
      return `flagged ${[...outcome.reasons].sort().join('+')}`;
    case 'refused':
    case 'skipped':
      return `${outcome.kind} ${outcome.reason}`;
  }
}

const keyOf = (device: Address, sequence: bigint) => `${device.toLowerCase()}:${sequence}`;

/**
 * Compares what each submitted reading was expected to become with what was recorded: the
 * gateway's refusal for a refused one, else the contract's event for its (device, sequence)
 * (the gateway acknowledges a (device, sequence) once, so the event is this reading's).
 */
export function compareOutcomes(parameters: {
  submissions: readonly Submission[];
  events: readonly FleetEvent[];
}): CompareOutcomesReturnType {
  const verdicts = new Map<string, RecordedOutcome>();
  for (const event of parameters.events) {
    if (event.kind === 'accepted') verdicts.set(keyOf(event.device, event.sequence), { kind: 'accepted' });
    else if (event.kind === 'flagged') verdicts.set(keyOf(event.device, event.sequence), { kind: 'flagged', reasons: event.reasons });
    else if (event.kind === 'skipped') verdicts.set(keyOf(event.device, event.sequence), { kind: 'skipped', reason: event.reason });
  }
  const counts = new Map<string, { expected: number; recorded: number }>();
  const count = (label: string, field: 'expected' | 'recorded') => {
    const entry = counts.get(label) ?? { expected: 0, recorded: 0 };
    entry[field]++;
    counts.set(label, entry);
  };
  const mismatches: OutcomeMismatch[] = [];
  for (const s of parameters.submissions) {
    const recorded: RecordedOutcome =
      s.refusedAs !== undefined
        ? { kind: 'refused', reason: s.refusedAs }
        : (verdicts.get(keyOf(s.device, s.sequence)) ?? { kind: 'missing' });
    const expected = outcomeLabel(s.expected);
    const actual = outcomeLabel(recorded);
    count(expected, 'expected');
    count(actual, 'recorded');
    if (expected !== actual)
      mismatches.push({ source: s.source, device: s.device, sequence: s.sequence.toString(), expected, recorded: actual });
  }
  return {
    submissions: parameters.submissions.length,
    matched: parameters.submissions.length - mismatches.length,
    byKind: [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([kind, c]) => ({ kind, ...c })),
    mismatches,
  };
}
