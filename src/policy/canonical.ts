import { keccak256, type Hex } from 'viem';
import type { PolicyDocument } from './types.js';

/**
 * The canonical JSON of a value: object keys sorted by UTF-16 code units, no whitespace, strings
 * as JSON.stringify writes them. For the values a policy holds (strings, booleans, integers,
 * arrays, objects) this is RFC 8785 (JCS), so any JCS implementation gives the same bytes.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new Error(`canonical JSON: ${value} is not a safe integer`);
  if (value === undefined || typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') {
    throw new Error(`canonical JSON: cannot encode a ${typeof value}`);
  }
  return JSON.stringify(value);
}

/** The UTF-8 bytes of the document's canonical JSON: what the content hash is taken over. */
export function canonicalPolicyBytes(policy: PolicyDocument): Uint8Array {
  return new TextEncoder().encode(canonicalJson(policy));
}

/** keccak256 of the canonical bytes: the contentHash a PolicyRegistry version holds. */
export function policyContentHash(policy: PolicyDocument): Hex {
  return keccak256(canonicalPolicyBytes(policy));
}
