import { parseEventLogs, type Address, type Hash, type Hex, type LocalAccount } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import type { ChainClients } from '../chain/clients.js';
import { grantConsent, revokeConsent } from '../chain/consent/index.js';
import type { Deployment } from '../chain/deployment.js';
import { nativeAccount } from '../chain/nativeAccount.js';
import { accessLogAbi } from '../contracts/abis.js';
import { maskToStreams, streamsToMask } from '../protocol/consentScope.js';
import { GatewayRejection } from '../sdk/errors.js';
import { fetchConsentedReadings } from '../sdk/fetchConsentedReadings.js';

/** What the demonstration's data-sharing phase showed (issue #5). */
export type DataSharingSummary = {
  recipient: Address;
  consentId: string;
  device: Address;
  /** The streams the consent covers. */
  streams: string[];
  /** The streams the lab actually received (from the values delivered). */
  deliveredStreams: string[];
  readingsDelivered: number;
  /** The delivery's hash, and whether AccessLog.DeliveryLogged carried it on chain. */
  dataHash: Hex;
  loggedOnChain: boolean;
  /** The gateway's reason for refusing the recipient after the council revoked the consent. */
  refusedAfterRevocation: string | null;
  grantTransaction: Hash;
  revokeTransaction: Hash;
};

export type DataSharingPhaseParameters = {
  clients: ChainClients;
  deployment: Deployment;
  gatewayUrl: string;
  /** The council: owner of the sensors' tokens (they were minted to the operator). */
  council: LocalAccount;
  device: Address;
  deviceName: string;
  timeline: (entry: { kind: 'council' | 'refused' | 'status'; text: string; transactionHash?: Hash }) => void;
};

const STREAMS = ['pm25', 'no2'];

/**
 * The council gives a university lab a consent to two streams of one sensor; the lab fetches the
 * readings (only those streams) through the gateway, which logs the delivery on chain; the council
 * revokes the consent, and the lab's next request is refused at once.
 */
export async function runDataSharingPhase(parameters: DataSharingPhaseParameters): Promise<DataSharingSummary> {
  const { clients, deployment, gatewayUrl, council, device, deviceName, timeline } = parameters;
  const { consentRegistry, accessLog } = deployment.contracts;
  if (!consentRegistry || !accessLog) throw new Error('this deployment has no consent registry');
  const lab = nativeAccount(generatePrivateKey());
  const { timestamp } = await clients.publicClient.getBlock();
  const streams = streamsToMask(STREAMS);
  const granted = await grantConsent({
    clients,
    account: council,
    address: consentRegistry,
    recipient: lab.address,
    devices: [device],
    streams,
    commands: 0,
    purpose: 'air-quality research',
    expiry: timestamp + 7n * 86_400n,
  });
  timeline({
    kind: 'council',
    text: `council grants the university lab consent ${granted.consentId}: ${STREAMS.join(', ')} of ${deviceName} for 7 days`,
    transactionHash: granted.hash,
  });
  const fetch = () =>
    fetchConsentedReadings({
      gatewayUrl,
      chainId: deployment.chainId,
      consentRegistry,
      account: lab,
      device,
      consentId: granted.consentId,
      streams,
    });
  const delivered = await fetch();
  timeline({
    kind: 'status',
    text: `the lab receives ${delivered.readings.length} readings of ${deviceName} (${STREAMS.join(', ')} only); delivery ${delivered.dataHash.slice(0, 12)}… queued for the on-chain access log`,
  });
  const loggedOnChain = await waitForDeliveryLog({ clients, accessLog, dataHash: delivered.dataHash, fromBlock: granted.blockNumber });
  const revoked = await revokeConsent({ clients, account: council, address: consentRegistry, consentId: granted.consentId });
  timeline({ kind: 'council', text: `council revokes consent ${granted.consentId}`, transactionHash: revoked.hash });
  let refusedAfterRevocation: string | null = null;
  try {
    await fetch();
  } catch (error) {
    if (!(error instanceof GatewayRejection)) throw error;
    refusedAfterRevocation = error.reason;
    timeline({ kind: 'refused', text: `the lab asks again: refused ${error.status} ${error.reason}` });
  }
  return {
    recipient: lab.address,
    consentId: granted.consentId.toString(),
    device,
    streams: STREAMS,
    deliveredStreams: maskToStreams(delivered.readings.reduce((mask, r) => r.values.reduce((m, [metric]) => m | (1 << metric), mask), 0)),
    readingsDelivered: delivered.readings.length,
    dataHash: delivered.dataHash,
    loggedOnChain,
    refusedAfterRevocation,
    grantTransaction: granted.hash,
    revokeTransaction: revoked.hash,
  };
}

/** Waits (up to 15 s) for the gateway's AccessLog batch carrying the delivery. */
async function waitForDeliveryLog(input: {
  clients: ChainClients;
  accessLog: Address;
  dataHash: Hex;
  fromBlock: bigint;
}): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const logs = await input.clients.publicClient.getLogs({ address: input.accessLog, fromBlock: input.fromBlock });
    const logged = parseEventLogs({ abi: accessLogAbi, eventName: 'DeliveryLogged', logs });
    if (logged.some((l) => l.args.dataHash === input.dataHash)) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}
