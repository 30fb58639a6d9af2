import type { Address, Hex } from 'viem';
import { firmwareRegistryAbi } from '../../contracts/abis.js';
import { contractEvent } from '../contractEvent.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';
import { reportVerdictNames, type ReportVerdictName } from '../../protocol/firmwareTypedData.js';

export type ReportFirmwareParameters = WriteContext & {
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
  const { clients, account, address, device, sequence, digest, nonce, signature } = parameters;
  const sent = await sendContractTransaction({
    clients,
    account,
    address,
    abi: firmwareRegistryAbi,
    functionName: 'reportFirmware',
    args: [device, sequence, digest, nonce, signature],
  });
  if (contractEvent({ abi: firmwareRegistryAbi, address, eventName: 'FirmwareInstalled', logs: sent.logs })) {
    return { ...sent, verdict: 'installed' };
  }
  const flagged = contractEvent({ abi: firmwareRegistryAbi, address, eventName: 'FirmwareReportFlagged', logs: sent.logs });
  if (flagged) return { ...sent, verdict: reportVerdictNames[Number(flagged.verdict)] ?? 'unknown_build' };
  throw new Error(`reportFirmware in ${sent.hash} emitted no verdict`);
}
