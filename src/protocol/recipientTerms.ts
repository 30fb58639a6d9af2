import { encodeAbiParameters, hashTypedData, keccak256, type Address, type Hex } from 'viem';

/**
 * The recipient's side of a consent (issue #12), exactly as RecipientTerms hashes it
 * (IRecipientTerms.Terms): what a recipient accepts, by its own transaction or by an EIP-712
 * TermsAcceptance signature anyone may submit. docs/contracts.md, "Recipient terms".
 */
export type RecipientTerms = {
  consentId: bigint;
  /** ConsentRegistry.consentTermsHash(consentId): devices, streams, policy, purpose, window. */
  consentTermsHash: Hex;
  /** The policy version (zero hash = none). */
  policyId: Hex;
  /** Wei paid from the bond per proven violation. */
  penaltyWei: bigint;
  /** Seconds the recipient has for every deletion request. */
  deletionPeriod: bigint;
  /** Seconds after the consent's expiry during which leaks can be claimed and deletion requested. */
  claimWindow: bigint;
  /** Seconds the recipient has to dispute a leak claim. */
  disputeWindow: bigint;
  /** Deletion requests the owner may raise (besides the automatic one). */
  maxDeletionRequests: number;
};

/** Where a signature is valid: the chain and the RecipientTerms contract (domain "Pythia Terms", "1"). */
export type TermsDomainParameters = { chainId: number; recipientTerms: Address };

export function termsDomain({ chainId, recipientTerms }: TermsDomainParameters) {
  return { name: 'Pythia Terms', version: '1', chainId, verifyingContract: recipientTerms } as const;
}

export const termsAcceptanceTypes = {
  TermsAcceptance: [
    { name: 'consentId', type: 'uint256' },
    { name: 'consentTermsHash', type: 'bytes32' },
    { name: 'policyId', type: 'bytes32' },
    { name: 'penaltyWei', type: 'uint128' },
    { name: 'deletionPeriod', type: 'uint64' },
    { name: 'claimWindow', type: 'uint64' },
    { name: 'disputeWindow', type: 'uint64' },
    { name: 'maxDeletionRequests', type: 'uint16' },
    { name: 'deadline', type: 'uint64' },
  ],
} as const;

/** The acceptance's typed data (for signTypedData), valid until `deadline` (Unix seconds). */
export function termsAcceptanceTypedData(parameters: TermsDomainParameters & { terms: RecipientTerms; deadline: bigint }) {
  const { terms, deadline } = parameters;
  return {
    domain: termsDomain(parameters),
    types: termsAcceptanceTypes,
    primaryType: 'TermsAcceptance',
    message: { ...terms, deadline },
  } as const;
}

/** The EIP-712 digest RecipientTerms.acceptanceDigest returns for the same terms and deadline. */
export function termsAcceptanceDigest(parameters: TermsDomainParameters & { terms: RecipientTerms; deadline: bigint }): Hex {
  return hashTypedData(termsAcceptanceTypedData(parameters));
}

/** An AccessLog delivery entry, as the gateway logs it (IAccessLog.Delivery). */
export type DeliveryEntry = {
  consentId: bigint;
  device: Address;
  recipient: Address;
  /** Streams bitmask. */
  streams: number;
  /** Readings delivered. */
  readings: number;
  /** deliveryDataHash of what was delivered. */
  dataHash: Hex;
};

/**
 * keccak256(abi.encode(delivery)): the key under which the AccessLog records a logged delivery and
 * which a canary commitment names (AccessLog.deliveryKey).
 */
export function deliveryKey(delivery: DeliveryEntry): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        {
          type: 'tuple',
          components: [
            { name: 'consentId', type: 'uint256' },
            { name: 'device', type: 'address' },
            { name: 'recipient', type: 'address' },
            { name: 'streams', type: 'uint32' },
            { name: 'readings', type: 'uint32' },
            { name: 'dataHash', type: 'bytes32' },
          ],
        },
      ],
      [delivery],
    ),
  );
}
