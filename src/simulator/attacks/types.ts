import type { Address } from 'viem';
import type { DeviceStatusName, FlagReason, ReadingRejectionReason } from '../../protocol/reasons.js';
import type { SignedReading } from '../../sdk/types.js';
import type { Fleet } from '../fleet.js';

/** What should happen to one request an attack sends. */
export type Expectation =
  /** The gateway accepts it (2xx) and the contract records it, raising (at least) these flags; [] = clean. */
  | { outcome: 'recorded'; flags: FlagReason[] }
  /** The gateway refuses it: nothing reaches the chain, no gas is spent. */
  | { outcome: 'rejected'; status: number; reason: ReadingRejectionReason };

/** One request to POST to /v1/readings, and what it should lead to. */
export type AttackAction = {
  /** Human-readable line for the demo log. */
  description: string;
  /** The device id the request claims to come from. */
  device: Address;
  body: SignedReading | { readings: SignedReading[] };
  expect: Expectation;
};

/** On-chain status a device should reach once the attack's recorded readings are mined. */
export type ExpectedStatus = { device: Address; status: DeviceStatusName; why: string };

export type AttackContext = { fleet: Fleet };

/**
 * An attack of the smart-city paper's threat model. Pure generator: it says what to send and
 * what must happen; the demo runner (or a test) does the sending and checks the outcomes.
 *
 *   attack.start({ fleet });               // picks/hijacks its devices
 *   while (!attack.done) post(attack.step(now));
 *   wait for the chain; check attack.expectedStatus();
 *   post(attack.followUp(now));            // e.g. the suspended device is now refused
 */
export type Attack = {
  name: string;
  description: string;
  /** One sentence: the outcome the system must produce. */
  expectedOutcome: string;
  start(context: AttackContext): void;
  /** Requests due at real time `now` (Unix seconds); [] when nothing is due. */
  step(now: number): AttackAction[];
  /** True once step() has nothing more to send. */
  readonly done: boolean;
  expectedStatus(): ExpectedStatus[];
  /** Requests to send after expectedStatus() holds on chain (what the gateway now answers). */
  followUp(now: number): AttackAction[];
};
