import { randomBytes } from 'node:crypto';

/** A fresh request nonce (commands, data requests, canary queries): 8 random bytes as a uint64, never 0. */
export function randomNonce(): bigint {
  const n = BigInt(`0x${randomBytes(8).toString('hex')}`);
  return n === 0n ? 1n : n;
}
