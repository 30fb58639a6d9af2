import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { keccak_256 } from '@noble/hashes/sha3.js';

/**
 * keccak256 on the hot path. The `keccak` package's native core (the Keccak team's reference
 * code, prebuilt in the npm package) is used directly, without its stream wrapper, since a
 * gateway hashes three times per reading; @noble/hashes is the fallback where the addon
 * cannot load. Both are tested against each other.
 */
type KeccakState = {
  initialize(rate: number, capacity: number): void;
  absorb(data: Buffer): void;
  absorbLastFewBits(bits: number): void;
  squeeze(length: number): Buffer;
};

function loadNativeState(): KeccakState | undefined {
  try {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('keccak/package.json'));
    const State = (require('node-gyp-build') as (dir: string) => unknown)(root);
    if (typeof State !== 'function') return undefined;
    return new (State as new () => KeccakState)();
  } catch {
    return undefined;
  }
}

const nativeState = process.env.PYTHIA_PURE_JS_KECCAK ? undefined : loadNativeState();

export const keccakImplementation: 'native' | 'noble' = nativeState ? 'native' : 'noble';

export function keccak256(data: Uint8Array): Uint8Array {
  if (!nativeState) return keccak_256(data);
  // Synchronous use of one shared state is safe: JavaScript runs this to completion.
  nativeState.initialize(1088, 512);
  nativeState.absorb(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  nativeState.absorbLastFewBits(0x01);
  return new Uint8Array(nativeState.squeeze(32));
}

/** The pure JavaScript implementation, always available (for tests and cross-checks). */
export const keccak256Js = (data: Uint8Array): Uint8Array => keccak_256(data);
