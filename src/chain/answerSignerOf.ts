import { bytesToHex, hexToBytes, type LocalAccount } from 'viem';
import type { AnswerSigner } from '../answers/signCoseSign1.js';
import { privateKeyOfNativeAccount } from './nativeAccount.js';

/**
 * The gateway's answer signer from the `pythia` account: its key itself when the account is a
 * native one (so the gateway can sign on its ECDSA threads), else r ‖ s of the account's
 * signature over a digest.
 */
export function answerSignerOf(account: LocalAccount): AnswerSigner {
  const privateKey = privateKeyOfNativeAccount(account);
  if (privateKey) return { privateKey };
  const { sign } = account;
  if (!sign) throw new Error(`account ${account.address} cannot sign digests`);
  return {
    address: account.address,
    signDigest: async (digest) => hexToBytes(await sign({ hash: bytesToHex(digest) })).subarray(0, 64),
  };
}
