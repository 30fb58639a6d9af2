import type { Address } from 'viem';
import type { SignedReading } from '../../sdk/types.js';

/**
 * What a load generator did, for the audit: every reading it signed, and which of them a gateway
 * acknowledged — a 202, or a 409 replayed_sequence on a retry of the same bytes (an earlier
 * attempt was stored and only its answer was lost: the gateway holds the reading all the same).
 */
export type LedgerKey = `${Lowercase<Address>}:${string}`;

export const ledgerKey = (device: Address | string, sequence: bigint | number | string): LedgerKey =>
  `${device.toLowerCase() as Lowercase<Address>}:${BigInt(sequence)}`;

export class ReadingLedger {
  private readonly signedReadings = new Map<LedgerKey, SignedReading>();
  private readonly acknowledgedKeys = new Set<LedgerKey>();
  private readonly acknowledgedOnRetry = new Set<LedgerKey>();

  signed(reading: SignedReading): void {
    this.signedReadings.set(ledgerKey(reading.device, reading.sequence), reading);
  }

  /** The gateway answered 202 for these readings (or 409 on a retry: `onRetry`). */
  acknowledge(readings: readonly SignedReading[], { onRetry = false } = {}): void {
    for (const r of readings) {
      const key = ledgerKey(r.device, r.sequence);
      this.acknowledgedKeys.add(key);
      if (onRetry) this.acknowledgedOnRetry.add(key);
    }
  }

  get acknowledgedCount(): number {
    return this.acknowledgedKeys.size;
  }

  get acknowledgedOnRetryCount(): number {
    return this.acknowledgedOnRetry.size;
  }

  acknowledged(): ReadonlySet<LedgerKey> {
    return this.acknowledgedKeys;
  }

  /** The signed bytes of a reading the test signed, if it did. */
  signedReading(key: LedgerKey): SignedReading | undefined {
    return this.signedReadings.get(key);
  }

  get signedCount(): number {
    return this.signedReadings.size;
  }
}
