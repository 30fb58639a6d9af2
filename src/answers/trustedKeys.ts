import { getAddress, hexToBytes, isAddress, type Address, type Hex } from 'viem';
import { deviceIdFromPublicKey, rawPublicKey } from '../protocol/deviceId.js';

/** A Pythia key a device trusts: its address (20 bytes), its public key (64 or 65 bytes), or both. */
export type TrustedKey = Address | Hex | { address: Address; publicKey?: Hex | undefined };

/** Trusted keys by lowercase address; the uncompressed public key (0x04 ‖ X ‖ Y) when known. */
export type TrustedKeySet = ReadonlyMap<string, Uint8Array | undefined>;

/** Normalises trusted keys; refuses a public key that does not belong to the address given with it. */
export function trustedKeySet(keys: readonly TrustedKey[]): TrustedKeySet {
  const set = new Map<string, Uint8Array | undefined>();
  for (const key of keys) {
    const { address, publicKey } = typeof key === 'string' ? splitKey(key) : key;
    if (!isAddress(address, { strict: false })) throw new TypeError(`trusted key address ${address} is not 20 bytes of hex`);
    let uncompressed: Uint8Array | undefined;
    if (publicKey !== undefined) {
      const raw = rawPublicKey(publicKey);
      if (deviceIdFromPublicKey(raw) !== getAddress(address))
        throw new TypeError(`public key ${publicKey.slice(0, 12)}… is not the key of ${address}`);
      uncompressed = new Uint8Array(65);
      uncompressed[0] = 0x04;
      uncompressed.set(raw, 1);
    }
    set.set(address.toLowerCase(), uncompressed ?? set.get(address.toLowerCase()));
  }
  return set;
}

function splitKey(key: Hex): { address: Address; publicKey?: Hex } {
  if (isAddress(key, { strict: false })) return { address: key };
  const bytes = hexToBytes(key);
  if (bytes.length === 64 || bytes.length === 65) return { address: deviceIdFromPublicKey(bytes), publicKey: key };
  throw new TypeError('a trusted key is an address (20 bytes) or a public key (64 or 65 bytes)');
}
