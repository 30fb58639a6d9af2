import secp256k1 from 'secp256k1';
import {
  bytesToHex,
  type Hex,
  hexToBytes,
  type LocalAccount,
  serializeSignature,
  serializeTransaction,
  type TransactionSerializable,
} from 'viem';
import { privateKeyToAccount, toAccount } from 'viem/accounts';
import { keccak256 } from '../protocol/keccak.js';

/**
 * A nativeAccount: a viem LocalAccount that also holds its key, for signers that must run
 * elsewhere (the gateway's ECDSA worker threads). The key is behind a method, so it stays out of
 * JSON and object dumps, and goes with the account when it is copied.
 */
export type NativeAccount = LocalAccount & { exportPrivateKey(): Hex };

export function isNativeAccount(account: LocalAccount): account is NativeAccount {
  return typeof (account as Partial<NativeAccount>).exportPrivateKey === 'function';
}

/** The private key of an account made by nativeAccount; undefined for any other account. */
export function privateKeyOfNativeAccount(account: LocalAccount): Hex | undefined {
  return isNativeAccount(account) ? account.exportPrivateKey() : undefined;
}

/**
 * A viem account whose transactions are hashed and signed natively (libsecp256k1 and the
 * native keccak). The relayer signs transactions of a few hundred kilobytes of calldata several
 * times a second; viem's pure-JavaScript keccak over them costs more than the rest of the
 * relaying. Same standard signatures (RFC 6979, low s) as privateKeyToAccount, which still signs
 * messages and typed data.
 */
export function nativeAccount(privateKey: Hex): NativeAccount {
  const base = privateKeyToAccount(privateKey);
  const secret = Buffer.from(privateKey.slice(2), 'hex');
  const account = toAccount({
    address: base.address,
    signMessage: base.signMessage,
    signTypedData: base.signTypedData,
    async sign({ hash }) {
      const { signature, recid } = secp256k1.ecdsaSign(hexToBytes(hash), secret);
      return serializeSignature({ r: bytesToHex(signature.subarray(0, 32)), s: bytesToHex(signature.subarray(32, 64)), yParity: recid });
    },
    async signTransaction(transaction, options) {
      const serializer = (options?.serializer ?? serializeTransaction) as (
        tx: TransactionSerializable,
        signature?: { r: Hex; s: Hex; v: bigint; yParity: number },
      ) => Hex | Promise<Hex>;
      const unsigned = await serializer(transaction as TransactionSerializable);
      const { signature, recid } = secp256k1.ecdsaSign(keccak256(Buffer.from(unsigned.slice(2), 'hex')), secret);
      return serializer(transaction as TransactionSerializable, {
        r: bytesToHex(signature.subarray(0, 32)),
        s: bytesToHex(signature.subarray(32, 64)),
        v: 27n + BigInt(recid),
        yParity: recid,
      });
    },
  });
  // The public key is not secret; the Pythia registry and provisioning bundles need it.
  return { ...account, publicKey: base.publicKey, exportPrivateKey: () => privateKey };
}
