import type { Address, Hex, LocalAccount } from 'viem';
import { dataAccessDomain, dataRequestTypes, deliveryDataHash, type DataRequest, type DeliveredReading } from '../protocol/dataRequest.js';
import { GatewayRejection } from './errors.js';
import { gatewayRequest } from './gatewayRequest.js';
import { randomNonce } from './randomNonce.js';

export type FetchConsentedReadingsParameters = {
  gatewayUrl: string;
  chainId: number;
  consentRegistry: Address;
  /** The recipient the consent names: it signs the request. */
  account: LocalAccount;
  device: Address;
  consentId: bigint;
  /** Bit i = metric i; every bit must be covered by the consent. */
  streams: number;
  afterSequence?: bigint;
  fromTime?: bigint;
  toTime?: bigint;
  limit?: number;
  /** Default: random 63-bit. */
  nonce?: bigint;
  /** Seconds the signed request stays valid (at most 300). Default 60. */
  lifetimeSeconds?: number;
  fetch?: typeof fetch;
};

export type FetchConsentedReadingsReturnType = {
  readings: DeliveredReading[];
  /** What AccessLog.DeliveryLogged carries for this delivery (checked against the readings received). */
  dataHash: Hex;
  deliveryId: number | null;
  nextAfterSequence: bigint;
};

const MAX_UINT64 = 0xffffffffffffffffn;

/**
 * A recipient fetches a device's readings under its consent: signs an EIP-712 DataRequest,
 * posts it, and checks that the hash the gateway will log on chain is the hash of what it got.
 */
export async function fetchConsentedReadings(parameters: FetchConsentedReadingsParameters): Promise<FetchConsentedReadingsReturnType> {
  const { gatewayUrl, chainId, consentRegistry, account } = parameters;
  const nonce = parameters.nonce ?? randomNonce();
  const request: DataRequest = {
    device: parameters.device,
    consentId: parameters.consentId,
    streams: parameters.streams,
    afterSequence: parameters.afterSequence ?? 0n,
    fromTime: parameters.fromTime ?? 0n,
    toTime: parameters.toTime ?? MAX_UINT64,
    limit: parameters.limit ?? 1000,
    nonce,
    expiresAt: BigInt(Math.floor(Date.now() / 1000) + (parameters.lifetimeSeconds ?? 60)),
  };
  const signature = await account.signTypedData({
    domain: dataAccessDomain({ chainId, consentRegistry }),
    types: dataRequestTypes,
    primaryType: 'DataRequest',
    message: request,
  });
  const { body } = await gatewayRequest({
    url: `${gatewayUrl.replace(/\/$/, '')}/v1/data/readings`,
    method: 'POST',
    body: {
      request: {
        device: request.device,
        consentId: request.consentId.toString(),
        streams: request.streams,
        afterSequence: request.afterSequence.toString(),
        fromTime: request.fromTime.toString(),
        toTime: request.toTime.toString(),
        limit: request.limit,
        nonce: request.nonce.toString(),
        expiresAt: request.expiresAt.toString(),
      },
      signature,
    },
    ...(parameters.fetch && { fetch: parameters.fetch }),
    // A served request's nonce is spent: a retry after a lost response would be refused as a replay.
    retry: { attempts: 1 },
  });
  const delivered = body as { readings: DeliveredReading[]; dataHash: Hex; deliveryId: number | null; nextAfterSequence: string };
  const expected = deliveryDataHash({
    consentId: request.consentId,
    device: request.device,
    recipient: account.address,
    readings: delivered.readings,
  });
  if (expected !== delivered.dataHash) {
    throw new GatewayRejection({
      reason: 'delivery_hash_mismatch',
      status: 200,
      body,
      message: `the gateway's data hash ${delivered.dataHash} is not the hash of what it sent (${expected})`,
    });
  }
  return {
    readings: delivered.readings,
    dataHash: delivered.dataHash,
    deliveryId: delivered.deliveryId,
    nextAfterSequence: BigInt(delivered.nextAfterSequence),
  };
}
