import type { Address } from 'viem';

// Apart from eip712.ts (which hashes with the native keccak) so that a browser can import it: the council console checks readings' signatures.
/**
 * EIP-712 domain and types of a device-signed reading. The gateway, the SDKs and the
 * ReadingInspection contract must agree on these byte for byte: see docs/protocol.md.
 */
export const READING_DOMAIN_NAME = 'Pythia';
export const READING_DOMAIN_VERSION = '1';

export const readingTypes = {
  Reading: [
    { name: 'device', type: 'address' },
    { name: 'sequence', type: 'uint64' },
    { name: 'timestamp', type: 'uint64' },
    { name: 'payload', type: 'bytes' },
  ],
} as const;

export type ReadingDomain = { chainId: number; verifyingContract: Address };
