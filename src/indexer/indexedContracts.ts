import { getAddress, toEventSelector, type Abi, type AbiEvent, type Address, type Hex } from 'viem';
import * as abis from '../contracts/abis.js';
import type { Deployment } from '../chain/deployment.js';

/** The ABI of each contract a deployment names (the keys of Deployment['contracts']). */
const abiOfContract = {
  timelock: abis.pythiaTimelockAbi,
  fleet: abis.pythiaFleetAbi,
  pythiaRegistry: abis.pythiaRegistryAbi,
  deviceIdentity: abis.deviceIdentityAbi,
  deviceOwnership: abis.deviceOwnershipAbi,
  firmwareRegistry: abis.firmwareRegistryAbi,
  policyRegistry: abis.policyRegistryAbi,
  consentRegistry: abis.consentRegistryAbi,
  accessLog: abis.accessLogAbi,
  feedMarket: abis.feedMarketAbi,
  recipientBonds: abis.recipientBondsAbi,
  sharingLog: abis.sharingLogAbi,
  canaryRegistry: abis.canaryRegistryAbi,
  deletionRequests: abis.deletionRequestsAbi,
  recipientTerms: abis.recipientTermsAbi,
} as const satisfies Record<keyof Deployment['contracts'], Abi>;

export type ContractName = keyof typeof abiOfContract;

/** A contract the indexer follows: its name in deployment.json, address, and its events by first topic. */
export type IndexedContract = { name: ContractName; address: Address; eventsBySelector: ReadonlyMap<Hex, AbiEvent> };

/** Every contract of a deployment, with the events its ABI declares (the indexer follows them all). */
export function indexedContracts(contracts: Deployment['contracts']): IndexedContract[] {
  const out: IndexedContract[] = [];
  for (const [name, abi] of Object.entries(abiOfContract) as [ContractName, Abi][]) {
    const address = contracts[name];
    if (address === undefined) continue;
    const eventsBySelector = new Map<Hex, AbiEvent>();
    for (const item of abi) if (item.type === 'event' && !item.anonymous) eventsBySelector.set(toEventSelector(item), item);
    out.push({ name, address: getAddress(address), eventsBySelector });
  }
  return out;
}
