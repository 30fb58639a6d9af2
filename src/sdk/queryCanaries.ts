import { getAddress, type Address, type Hex, type LocalAccount } from 'viem';
import type { CanaryReveal } from '../protocol/canary.js';
import type { DeliveryEntry } from '../protocol/recipientTerms.js';
import { canaryQueryTypes, dataAccessDomain } from '../protocol/dataRequest.js';
import { gatewayRequest } from './gatewayRequest.js';
import { randomNonce } from './randomNonce.js';

export type QueryCanariesParameters = {
  gatewayUrl: string;
  chainId: number;
  consentRegistry: Address;
  /** The consent's owner: it signs the query. */
  account: LocalAccount;
  consentId: bigint;
  nonce?: bigint;
  fetch?: typeof fetch;
};

export type GivenCanary = CanaryReveal & {
  commitment: Hex;
  givenAt: string;
  /** The logged delivery that carried it (what a leak claim names); null for a canary given before issue #12. */
  delivery: DeliveryEntry | null;
};

/** The consent's owner lists the canaries the gateway gave under it, each ready for CanaryRegistry.claimLeak. */
export async function queryCanaries(parameters: QueryCanariesParameters): Promise<GivenCanary[]> {
  const { gatewayUrl, chainId, consentRegistry, account, consentId } = parameters;
  const query = {
    consentId,
    nonce: parameters.nonce ?? randomNonce(),
    expiresAt: BigInt(Math.floor(Date.now() / 1000) + 60),
  };
  const signature = await account.signTypedData({
    domain: dataAccessDomain({ chainId, consentRegistry }),
    types: canaryQueryTypes,
    primaryType: 'CanaryQuery',
    message: query,
  });
  const { body } = await gatewayRequest({
    url: `${gatewayUrl.replace(/\/$/, '')}/v1/canaries/query`,
    method: 'POST',
    body: {
      query: { consentId: query.consentId.toString(), nonce: query.nonce.toString(), expiresAt: query.expiresAt.toString() },
      signature,
    },
    retry: { attempts: 1 },
    ...(parameters.fetch && { fetch: parameters.fetch }),
  });
  const { canaries } = body as {
    canaries: {
      recipient: string;
      device: string;
      stream: number;
      sequence: string;
      value: number;
      salt: Hex;
      commitment: Hex;
      givenAt: string;
      delivery: { consentId: string; device: string; recipient: string; streams: number; readings: number; dataHash: Hex } | null;
    }[];
  };
  return canaries.map((c) => ({
    recipient: getAddress(c.recipient),
    consentId,
    device: getAddress(c.device),
    stream: c.stream,
    value: c.value,
    sequence: BigInt(c.sequence),
    salt: c.salt,
    commitment: c.commitment,
    givenAt: c.givenAt,
    delivery: c.delivery && {
      consentId: BigInt(c.delivery.consentId),
      device: getAddress(c.delivery.device),
      recipient: getAddress(c.delivery.recipient),
      streams: c.delivery.streams,
      readings: c.delivery.readings,
      dataHash: c.delivery.dataHash,
    },
  }));
}
