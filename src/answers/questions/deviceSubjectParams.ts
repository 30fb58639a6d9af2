import { bytesToHex, getAddress, hexToBytes, isAddress, type Address } from 'viem';
import type { Question } from './types.js';

export type DeviceSubjectParams = { device: Address };

/**
 * The parameters of a question about one device (the asker itself or a peer): `{ device }` in
 * JSON, a 20-byte string in CBOR.
 */
export function deviceSubjectParams(
  name: string,
): Pick<Question<DeviceSubjectParams, unknown>, 'parseParams' | 'encodeParams' | 'decodeParams'> {
  return {
    parseParams(json) {
      const device = typeof json === 'object' && json !== null ? (json as { device?: unknown }).device : undefined;
      if (typeof device !== 'string' || !isAddress(device, { strict: false })) {
        throw new Error('params.device must be a device id (0x + 40 hex digits)');
      }
      if (Object.keys(json as object).length !== 1) throw new Error(`${name} takes only params.device`);
      return { device: getAddress(device) };
    },
    encodeParams: ({ device }) => hexToBytes(device),
    decodeParams(value) {
      if (!(value instanceof Uint8Array) || value.length !== 20) throw new Error(`${name} params must be a 20-byte device id`);
      return { device: getAddress(bytesToHex(value)) };
    },
  };
}
