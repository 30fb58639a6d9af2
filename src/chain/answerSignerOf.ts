import { bytesToHex, hexToBytes, type LocalAccount } from 'viem';
import type { AnswerSigner } from '../gateway/plugins/answers.js';

/** The gateway's answer signer from the `pythia` account: r ‖ s of its signature over a digest. */
export function answerSignerOf(account: LocalAccount): AnswerSigner {
  const { sign } = account;
  if (!sign) throw new Error(`account ${account.address} cannot sign digests`);
  return {
    address: account.address,
    signDigest: async (digest) => hexToBytes(await sign({ hash: bytesToHex(digest) })).subarray(0, 64),
  };
}
