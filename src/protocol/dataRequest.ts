import { hashTypedData, keccak256, stringToBytes, type Address, type Hex } from 'viem';

/**
 * A recipient's signed request for device data under a consent (docs/api.md, "Data under
 * consent"). EIP-712, so wallets show what is signed; the domain's verifying contract is the
 * ConsentRegistry, so a request is good for one chain and one registry only.
 */
export const DATA_REQUEST_DOMAIN_NAME = 'Pythia Data Access';
export const DATA_REQUEST_DOMAIN_VERSION = '1';

export const dataRequestTypes = {
  DataRequest: [
    { name: 'device', type: 'address' },
    { name: 'consentId', type: 'uint256' },
    { name: 'streams', type: 'uint32' },
    { name: 'afterSequence', type: 'uint64' },
    { name: 'fromTime', type: 'uint64' },
    { name: 'toTime', type: 'uint64' },
    { name: 'limit', type: 'uint32' },
    { name: 'nonce', type: 'uint64' },
    { name: 'expiresAt', type: 'uint64' },
  ],
} as const;

export type DataRequest = {
  device: Address;
  consentId: bigint;
  /** Bit i = metric i of the device's profile; every bit must be covered by the consent. */
  streams: number;
  /** Readings with a higher sequence only (a cursor: the last sequence received). */
  afterSequence: bigint;
  /** Device timestamps (Unix seconds), inclusive. */
  fromTime: bigint;
  toTime: bigint;
  /** At most this many readings (the gateway caps it). */
  limit: number;
  /** Unique per recipient: a request is served once. */
  nonce: bigint;
  /** Unix seconds; the gateway refuses expired requests and ones that expire too far ahead. */
  expiresAt: bigint;
};

/** The consent's owner asks the gateway for the canaries it gave under the consent (to reveal one). */
export const canaryQueryTypes = {
  CanaryQuery: [
    { name: 'consentId', type: 'uint256' },
    { name: 'nonce', type: 'uint64' },
    { name: 'expiresAt', type: 'uint64' },
  ],
} as const;

export type CanaryQuery = { consentId: bigint; nonce: bigint; expiresAt: bigint };

export function canaryQueryDigest(domain: DataRequestDomain, query: CanaryQuery): Hex {
  return hashTypedData({
    domain: dataAccessDomain(domain),
    types: canaryQueryTypes,
    primaryType: 'CanaryQuery',
    message: query,
  });
}

/**
 * The recipient of a relayed command, or the device's owner, asks the gateway for the command's
 * contents (GET /v1/commands/{id} shows its status only).
 */
export const commandQueryTypes = {
  CommandQuery: [
    { name: 'commandId', type: 'bytes32' },
    { name: 'nonce', type: 'uint64' },
    { name: 'expiresAt', type: 'uint64' },
  ],
} as const;

export type CommandQuery = { commandId: Hex; nonce: bigint; expiresAt: bigint };

export function commandQueryDigest(domain: DataRequestDomain, query: CommandQuery): Hex {
  return hashTypedData({
    domain: dataAccessDomain(domain),
    types: commandQueryTypes,
    primaryType: 'CommandQuery',
    message: query,
  });
}

/** The EIP-712 domain of data requests, canary queries and command queries. */
export function dataAccessDomain(domain: DataRequestDomain) {
  return {
    name: DATA_REQUEST_DOMAIN_NAME,
    version: DATA_REQUEST_DOMAIN_VERSION,
    chainId: domain.chainId,
    verifyingContract: domain.consentRegistry,
  } as const;
}

export type DataRequestDomain = { chainId: number; consentRegistry: Address };

export function dataRequestDigest(domain: DataRequestDomain, request: DataRequest): Hex {
  return hashTypedData({
    domain: dataAccessDomain(domain),
    types: dataRequestTypes,
    primaryType: 'DataRequest',
    message: request,
  });
}

/** One reading as delivered: only the consented streams' values, by metric index. */
export type DeliveredReading = {
  sequence: string;
  timestamp: string;
  status: 'accepted' | 'flagged';
  /** [metric index, value] for each consented stream, in metric order. */
  values: [number, number][];
};

/**
 * The hash the gateway logs on chain for a delivery (AccessLog.DeliveryLogged.dataHash):
 * keccak256 of the UTF-8 JSON text of `{ consentId, device, recipient, readings }` with exactly
 * this key order, ids as lowercase hex, numbers as decimal strings where they may exceed 2^53.
 * A recipient recomputes it from what it received to check the log names its delivery.
 */
export function deliveryDataHash(delivery: {
  consentId: bigint;
  device: Address;
  recipient: Address;
  readings: readonly DeliveredReading[];
}): Hex {
  const text = JSON.stringify({
    consentId: delivery.consentId.toString(),
    device: delivery.device.toLowerCase(),
    recipient: delivery.recipient.toLowerCase(),
    readings: delivery.readings.map((r) => ({
      sequence: r.sequence,
      timestamp: r.timestamp,
      status: r.status,
      values: r.values,
    })),
  });
  return keccak256(stringToBytes(text));
}
