import type { Address, Hex, LocalAccount } from 'viem';
import {
  manifestTypedData,
  rotationTypedData,
  type FirmwareDomainParameters,
  type FirmwareManifest,
  type ReleaseKeyRotation,
} from '../../protocol/firmwareTypedData.js';

/** One release key's signature: 65 bytes r ‖ s ‖ v, low s (what the registry accepts). */
export type ReleaseSignature = { signer: Address; signature: Hex };

export type SignManifestParameters = FirmwareDomainParameters & { key: LocalAccount; manifest: FirmwareManifest };

/** Signs a manifest with one release key (EIP-712, domain "Pythia Firmware"). */
export async function signManifest({ key, ...parameters }: SignManifestParameters): Promise<ReleaseSignature> {
  return { signer: key.address, signature: await key.signTypedData(manifestTypedData(parameters)) };
}

export type SignRotationParameters = FirmwareDomainParameters & { key: LocalAccount; rotation: ReleaseKeyRotation };

/** Signs a release key rotation with one CURRENT release key. */
export async function signRotation({ key, ...parameters }: SignRotationParameters): Promise<ReleaseSignature> {
  return { signer: key.address, signature: await key.signTypedData(rotationTypedData(parameters)) };
}

/** Signatures ordered by signer address, ascending, as the registry requires (no key counts twice). */
export function sortSignatures(signatures: readonly ReleaseSignature[]): Hex[] {
  const sorted = [...signatures].sort((a, b) => {
    const x = BigInt(a.signer);
    const y = BigInt(b.signer);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  for (let i = 1; i < sorted.length; i++) {
    if (BigInt(sorted[i]!.signer) === BigInt(sorted[i - 1]!.signer)) throw new Error(`release key ${sorted[i]!.signer} signed twice`);
  }
  return sorted.map((s) => s.signature);
}
