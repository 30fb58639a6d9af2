import type { Address, Hex } from 'viem';
import { canaryRegistryAbi } from '../../contracts/abis.js';
import { contractEvent } from '../contractEvent.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';
import { canaryRegistryCallAbi } from '../callErrors.js';

export type DisputeLeakParameters = WriteContext & {
  commitment: Hex;
  /** A hash of the recipient's answer (e.g. SHA-256 of its statement and evidence). */
  answerHash: Hex;
};

/** The recipient contests an open leak claim within the dispute window: the arbiter rules. */
export function disputeLeak(parameters: DisputeLeakParameters): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, commitment, answerHash } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address,
    abi: canaryRegistryCallAbi,
    functionName: 'disputeLeak',
    args: [commitment, answerHash],
  });
}

export type ResolveLeakParameters = WriteContext & { commitment: Hex; upheld: boolean };

export type LeakOutcome = SendContractTransactionReturnType & {
  outcome: 'upheld' | 'rejected';
  /** Wei paid to the owner (upheld). */
  paid: bigint;
  /** A disputed claim left without a ruling for the arbitration period (rejected). */
  timedOut: boolean;
};

/** ARBITER_ROLE rules on a disputed claim: upheld pays the owner from the hold, rejected returns it. */
export async function resolveLeak(parameters: ResolveLeakParameters): Promise<LeakOutcome> {
  const { clients, account, address, commitment, upheld } = parameters;
  const sent = await sendContractTransaction({
    clients,
    account,
    address,
    abi: canaryRegistryCallAbi,
    functionName: 'resolveLeak',
    args: [commitment, upheld],
  });
  return outcomeOf(sent, address);
}

export type SettleLeakParameters = WriteContext & { commitment: Hex };

/**
 * Anyone settles a claim that can be: undisputed after its window (paid to the owner), or disputed
 * and left without a ruling for the arbitration period (returned to the recipient).
 */
export async function settleLeak(parameters: SettleLeakParameters): Promise<LeakOutcome> {
  const { clients, account, address, commitment } = parameters;
  const sent = await sendContractTransaction({
    clients,
    account,
    address,
    abi: canaryRegistryCallAbi,
    functionName: 'settleLeak',
    args: [commitment],
  });
  return outcomeOf(sent, address);
}

function outcomeOf(sent: SendContractTransactionReturnType, address: Address): LeakOutcome {
  const attributed = contractEvent({ abi: canaryRegistryAbi, address, eventName: 'LeakAttributed', logs: sent.logs });
  if (attributed) return { ...sent, outcome: 'upheld', paid: attributed.paid, timedOut: false };
  const rejected = contractEvent({ abi: canaryRegistryAbi, address, eventName: 'LeakClaimRejected', logs: sent.logs });
  if (rejected) return { ...sent, outcome: 'rejected', paid: 0n, timedOut: rejected.timedOut };
  throw new Error(`no LeakAttributed or LeakClaimRejected in ${sent.hash}`);
}
