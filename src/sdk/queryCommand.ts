import type { Address, Hex, LocalAccount } from 'viem';
import { commandQueryTypes, dataAccessDomain } from '../protocol/dataRequest.js';
import { gatewayRequest } from './gatewayRequest.js';
import { randomNonce } from './randomNonce.js';

export type QueryCommandParameters = {
  gatewayUrl: string;
  chainId: number;
  consentRegistry: Address;
  /** The command's recipient or the device's current owner: it signs the query. */
  account: LocalAccount;
  /** The command id (its EIP-712 digest, as POST /v1/devices/{id}/commands answered). */
  commandId: Hex;
  nonce?: bigint;
  fetch?: typeof fetch;
};

/** A relayed command's contents, as the gateway relayed it (docs/api.md, "POST /v1/commands/{id}/query"). */
export type QueriedCommand = {
  id: Hex;
  device: Address;
  recipient: Address;
  consentId: string;
  command: number;
  commandName: string;
  args: Hex;
  nonce: string;
  expiresAt: string;
  status: 'accepted' | 'published';
  checkedAtBlock: number;
};

/**
 * Reads a relayed command's contents: only its recipient or the device's owner may (GET
 * /v1/commands/{id} shows anyone its status only). Signs an EIP-712 CommandQuery valid for 60 s;
 * a refusal is a GatewayRejection (not_command_party, command_not_found, ...).
 */
export async function queryCommand(parameters: QueryCommandParameters): Promise<QueriedCommand> {
  const { gatewayUrl, chainId, consentRegistry, account, commandId } = parameters;
  const query = {
    commandId,
    nonce: parameters.nonce ?? randomNonce(),
    expiresAt: BigInt(Math.floor(Date.now() / 1000) + 60),
  };
  const signature = await account.signTypedData({
    domain: dataAccessDomain({ chainId, consentRegistry }),
    types: commandQueryTypes,
    primaryType: 'CommandQuery',
    message: query,
  });
  const { body } = await gatewayRequest({
    url: `${gatewayUrl.replace(/\/$/, '')}/v1/commands/${commandId}/query`,
    method: 'POST',
    body: { query: { nonce: query.nonce.toString(), expiresAt: query.expiresAt.toString() }, signature },
    retry: { attempts: 1 },
    ...(parameters.fetch && { fetch: parameters.fetch }),
  });
  return body as QueriedCommand;
}
