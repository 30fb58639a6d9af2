import { BaseError, InsufficientFundsError, type Hex, type LocalAccount } from 'viem';
import { nativeAccount } from '../chain/nativeAccount.js';
import type { RoleName } from '../chain/roleKeys.js';
import { ContractRefusal, toContractRefusal } from '../chain/sendContractTransaction.js';
import { decryptKeystore, readKeystoreFile } from '../keystore/index.js';
import { loadRoleAccount, type CommandContext } from './context.js';
import { CliError, formatEth, UsageError } from './output.js';
import { resolvePassphrase } from './passphrase.js';

export type LoadSignerAccountParameters = {
  /** A Web3 Secret Storage v3 keystore (--signer-key); without it, the node's role key. */
  signerKey?: string | undefined;
  role: RoleName;
  /** Who signs, for messages: "owner", "manufacturer", ... */
  purpose: string;
};

/** The account that sends a transaction: --signer-key's keystore, or the node's role key. */
export async function loadSignerAccount(context: CommandContext, parameters: LoadSignerAccountParameters): Promise<LocalAccount> {
  const { signerKey, role, purpose } = parameters;
  if (!signerKey) return loadRoleAccount(context, role);
  return loadKeystoreAccount(signerKey, `${purpose} key`);
}

/**
 * The signer of an action that belongs to a person (an owner, a recipient), never to a node
 * role: --signer-key is required.
 */
export function loadOwnSignerAccount(signerKey: string | undefined, purpose: string): Promise<LocalAccount & { privateKey: Hex }> {
  if (!signerKey) throw new UsageError(`--signer-key <keystore> is required: the ${purpose}'s key signs this`);
  return loadKeystoreAccount(signerKey, `${purpose} key`);
}

/** An account from a key file of its own (`pythia key new`), its passphrase from PYTHIA_KEY_PASSPHRASE or the terminal. */
export async function loadKeystoreAccount(path: string, what: string): Promise<LocalAccount & { privateKey: `0x${string}` }> {
  const passphrase = await resolvePassphrase(what, 'personal');
  try {
    const { privateKey } = await decryptKeystore(await readKeystoreFile(path), passphrase);
    return Object.assign(nativeAccount(privateKey), { privateKey });
  } catch (error) {
    throw new CliError(`cannot open the ${what} ${path}: ${(error as Error).message}`);
  }
}

/** Why each identity or ownership refusal happens, in the user's terms (the custom error name stays in front). */
export const identityRefusalHints: Readonly<Record<string, string>> = {
  NotDeviceOwner: 'the signer does not own this device (see `pythia device owner <id>`; sign with the owner key via --signer-key)',
  NotOwnerOrOperator: "the signer is neither the device's owner nor an operator",
  UnknownDeviceToken: 'the device has no ownership token: it is not registered (or predates the ownership contract)',
  UnknownDevice: 'the device is not registered',
  DeviceNotActive: 'the device is suspended or revoked: it cannot change hands (theft resistance)',
  InvalidRecipient: 'a device cannot be offered to the zero address or to its own owner',
  NoPendingOffer: 'there is no pending transfer offer for this device',
  NotOfferedTo: 'the pending offer names another recipient',
  NoClassManufacturer: 'no manufacturer is assigned to this class (`pythia manufacturer assign <class> <address>`)',
  InvalidProvenanceSignature: "that item's signature is not by the class manufacturer",
  InvalidOldKeySignature: "the --old-key is not the device's current key",
  InvalidNewKeySignature: 'the new key did not sign the rotation',
  KeyAlreadyUsed: 'that key was registered or used by a device before; keys are never reused',
  DeviceAlreadyRegistered: 'a device with this key is already registered',
  DeviceIsRevoked: 'the device is revoked',
  UnknownClass: 'the class has no behaviour profile yet (`pythia profile set --class <id> --file <profile.json>`)',
  InvalidStatusTransition: 'the device is not in a status that allows this',
  AccessControlUnauthorizedAccount: 'the signer lacks the role this needs (an operator key, or --signer-key with that role)',
  InvalidReason: 'the reason must be 1 to 256 bytes',
};

/** A contract refusal with the hint `hints` gives for its custom error, if any. */
function explained(refusal: ContractRefusal, hints: Readonly<Record<string, string>>): ContractRefusal {
  const hint = hints[refusal.errorName];
  return hint ? new ContractRefusal(refusal.errorName, refusal.errorArgs, `${refusal.message}: ${hint}`, hint) : refusal;
}

/**
 * Runs a read that a contract may refuse with a custom error (an unknown feed, an unknown
 * request): the refusal keeps its name and gains its hint, and the command exits 1.
 */
export async function readAs<T>(read: () => Promise<T>, hints: Readonly<Record<string, string>>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const refusal = error instanceof ContractRefusal ? error : toContractRefusal(error);
    throw refusal ? explained(refusal, hints) : error;
  }
}

/**
 * Runs a transaction for the CLI: a contract refusal keeps its custom error name and gains the
 * hint `hints` gives for it (default: the identity and ownership hints above, since each contract
 * words its errors for its own calls); a signer without gas money is told so plainly (the refusal
 * check comes first, since sendContractTransaction simulates before it sends).
 */
export async function sendAs<T>(
  context: CommandContext,
  account: LocalAccount,
  what: string,
  send: () => Promise<T>,
  hints: Readonly<Record<string, string>> = identityRefusalHints,
): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (error instanceof ContractRefusal) throw explained(error, hints);
    const unfunded =
      (error instanceof BaseError && error.walk((e) => e instanceof InsufficientFundsError) !== null) ||
      /insufficient funds/i.test((error as Error)?.message ?? '');
    if (!unfunded) throw error;
    const balance = await context.publicClient.getBalance({ address: account.address }).catch(() => undefined);
    throw new CliError(
      `${what}: the signer ${account.address} cannot pay for gas on chain ${context.deployment.chainId}` +
        `${balance === undefined ? '' : ` (balance ${formatEth(balance)})`}: send it some ETH first and run again`,
    );
  }
}
