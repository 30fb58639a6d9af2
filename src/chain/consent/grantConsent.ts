import { parseEventLogs, zeroHash, type Address, type Hex } from 'viem';
import { consentRegistryAbi } from '../../contracts/abis.js';
import { sendContractTransaction } from '../sendContractTransaction.js';
import type { ConsentWriteContext } from './writeContext.js';

export type GrantConsentParameters = ConsentWriteContext & {
  recipient: Address;
  devices: readonly Address[];
  /** Bit i = metric i of the device profile (src/protocol/consentScope.ts). */
  streams: number;
  /** Bit c = command code c of the catalogue. */
  commands: number;
  purpose: string;
  /** A published policy version; default none (zero). */
  policyId?: Hex;
  /** Unix seconds; default (0) = from the grant's block. */
  start?: bigint;
  /** Unix seconds, exclusive. */
  expiry: bigint;
  /** Grant for this owner as its grant agent (grantConsentFor). */
  onBehalfOf?: Address;
};

export type GrantConsentReturnType = { consentId: bigint; termsHash: Hex; hash: Hex; blockNumber: bigint };

/** Grants a consent over devices the sender owns (or, as a grant agent, that `onBehalfOf` owns). */
export async function grantConsent(parameters: GrantConsentParameters): Promise<GrantConsentReturnType> {
  const { clients, account, registry, onBehalfOf } = parameters;
  const terms = {
    recipient: parameters.recipient,
    devices: [...parameters.devices],
    streams: parameters.streams,
    commands: parameters.commands,
    policyId: parameters.policyId ?? zeroHash,
    start: parameters.start ?? 0n,
    expiry: parameters.expiry,
  };
  const { hash, blockNumber, logs } = await sendContractTransaction({
    clients,
    account,
    address: registry,
    abi: consentRegistryAbi,
    functionName: onBehalfOf ? 'grantConsentFor' : 'grantConsent',
    args: onBehalfOf ? [onBehalfOf, terms, parameters.purpose] : [terms, parameters.purpose],
  });
  const [granted] = parseEventLogs({ abi: consentRegistryAbi, eventName: 'ConsentGranted', logs: logs as never });
  if (!granted) throw new Error(`grantConsent: no ConsentGranted event in ${hash}`);
  return { consentId: granted.args.consentId, termsHash: granted.args.termsHash, hash, blockNumber };
}
