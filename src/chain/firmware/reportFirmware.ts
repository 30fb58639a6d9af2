import { decodeEventLog, type Address, type Hex } from 'viem';
import { firmwareRegistryAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType } from '../sendContractTransaction.js';
import { reportVerdictNames, type ReportVerdictName } from '../../protocol/firmwareTypedData.js';
import type { FirmwareWriteContext } from './writeContext.js';

export type ReportFirmwareParameters = FirmwareWriteContext & {
  device: Address;
  sequence: bigint;
  digest: Hex;
  nonce: bigint;
  /** The device's FirmwareReport signature (sdk signFirmwareReport). */
  signature: Hex;
};

/**
 * Submits a device-signed install report (anyone may relay it) and returns the registry's verdict:
 * installed, or why the device was flagged instead.
 */
export async function reportFirmware(
  parameters: ReportFirmwareParameters,
): Promise<SendContractTransactionReturnType & { verdict: ReportVerdictName }> {
  const { clients, account, registry, device, sequence, digest, nonce, signature } = parameters;
  const sent = await sendContractTransaction({
    clients,
    account,
    address: registry,
    abi: firmwareRegistryAbi,
    functionName: 'reportFirmware',
    args: [device, sequence, digest, nonce, signature],
  });
  for (const log of sent.logs as { address: Address; data: Hex; topics: [Hex, ...Hex[]] }[]) {
    if (log.address.toLowerCase() !== registry.toLowerCase()) continue;
    const event = decodeEventLog({ abi: firmwareRegistryAbi, data: log.data, topics: log.topics, strict: false });
    if (event.eventName === 'FirmwareInstalled') return { ...sent, verdict: 'installed' };
    if (event.eventName === 'FirmwareReportFlagged') {
      return { ...sent, verdict: reportVerdictNames[Number((event.args as { verdict: number }).verdict)] ?? 'unknown_build' };
    }
  }
  throw new Error(`reportFirmware in ${sent.hash} emitted no verdict`);
}
