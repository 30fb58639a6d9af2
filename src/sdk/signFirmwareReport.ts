import { hashTypedData, hexToBytes, isHex, type Address, type Hex } from 'viem';
import { reportTypedData } from '../protocol/firmwareTypedData.js';
import { signDigest } from '../protocol/signDigest.js';
import type { DeviceKey } from './types.js';

export type SignFirmwareReportParameters = {
  key: Pick<DeviceKey, 'privateKey' | 'deviceId'>;
  chainId: number;
  /** The FirmwareRegistry (provisioning bundle / deployment.json). */
  registry: Address;
  /** What the device runs now: the release's sequence and the SHA-256 of the image. */
  sequence: bigint | number;
  digest: Hex;
  /** Strictly above the device's last report nonce (e.g. a counter kept with the reading sequence). */
  nonce: bigint | number;
};

export type SignFirmwareReportReturnType = { device: Address; sequence: bigint; digest: Hex; nonce: bigint; signature: Hex };

const UINT64_MAX = (1n << 64n) - 1n;

/**
 * The device's install report: EIP-712 FirmwareReport(address device,uint64 sequence,bytes32 digest,uint64 nonce)
 * in the domain "Pythia Firmware" / "1" of this chain and registry, signed with the device key
 * (65 bytes, low s). Anyone may relay it to FirmwareRegistry.reportFirmware.
 */
export function signFirmwareReport(parameters: SignFirmwareReportParameters): SignFirmwareReportReturnType {
  const { key, chainId, registry } = parameters;
  const sequence = BigInt(parameters.sequence);
  const nonce = BigInt(parameters.nonce);
  if (sequence < 0n || sequence > UINT64_MAX) throw new RangeError('sequence must be a uint64');
  if (nonce < 1n || nonce > UINT64_MAX) throw new RangeError('nonce must be a uint64 ≥ 1');
  if (!isHex(parameters.digest) || parameters.digest.length !== 66) throw new RangeError('digest must be 32 bytes, 0x hex');
  const report = { device: key.deviceId, sequence, digest: parameters.digest, nonce };
  const digest = hashTypedData(reportTypedData({ chainId, registry, report }));
  return { ...report, signature: signDigest(key.privateKey, hexToBytes(digest)) };
}
