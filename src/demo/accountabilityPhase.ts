import { keccak256, parseEther, stringToHex, type Address, type Hash, type LocalAccount } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import {
  acceptTerms,
  claimLeak,
  depositBond,
  disputeLeak,
  readBond,
  readCanary,
  readTerms,
  resolveLeak,
} from '../chain/accountability/index.js';
import type { ChainClients } from '../chain/clients.js';
import { grantConsent } from '../chain/consent/index.js';
import type { Deployment } from '../chain/deployment.js';
import { nativeAccount } from '../chain/nativeAccount.js';
import { ContractRefusal } from '../chain/sendContractTransaction.js';
import { setAnvilBalance } from '../chain/setAnvilBalance.js';
import { formatEth } from '../protocol/amounts.js';
import { streamsToMask } from '../protocol/consentScope.js';
import { fetchConsentedReadings } from '../sdk/fetchConsentedReadings.js';
import { queryCanaries, type GivenCanary } from '../sdk/queryCanaries.js';
import { type ActStep, actSteps } from './actSteps.js';

/** What the demonstration's accountability act showed (issue #12). */
export type AccountabilitySummary = {
  recipient: Address;
  consentId: string;
  /** The penalty the recipient accepted, and its bond before and after (wei, decimal strings). */
  penaltyWei: string;
  bondBeforeWei: string;
  bondAfterWei: string;
  /** Where the leaked canary value turned up. */
  leakedTo: Address;
  steps: ActStep[];
  /** Steps whose recorded outcome is not the expected one. */
  mismatches: ActStep[];
  transactions: { accept: Hash; claim: Hash; dispute: Hash; resolve: Hash };
};

export type AccountabilityPhaseParameters = {
  clients: ChainClients;
  deployment: Deployment;
  gatewayUrl: string;
  /** The sensors' owner (the consent's owner, who claims). */
  council: LocalAccount;
  /** The council's arbiter (ARBITER_ROLE of the canary registry: the admin key in a local deployment). */
  arbiter: LocalAccount;
  device: Address;
  deviceName: string;
  timeline: (entry: { kind: 'council' | 'refused' | 'status'; text: string; transactionHash?: Hash }) => void;
};

const STREAMS = ['pm25', 'pm10', 'no2', 'o3', 'temperature', 'humidity'];
const BOND = parseEther('1');

/**
 * Nobody loses a bond without having agreed to the terms (issue #12), in one short act: the council
 * grants an analytics firm a consent and the firm fetches the sensor's readings (some values are
 * canaries, committed on chain by the gateway). A copy turns up at a data broker: the council's
 * claim is refused while the firm has not accepted the terms; once it has (its own transaction),
 * the claim holds the accepted penalty, the firm disputes it, and the council's arbiter rules.
 */
export async function runAccountabilityPhase(parameters: AccountabilityPhaseParameters): Promise<AccountabilitySummary> {
  const { clients, deployment, gatewayUrl, council, arbiter, device, deviceName, timeline } = parameters;
  const { consentRegistry, recipientTerms, recipientBonds, canaryRegistry } = deployment.contracts;
  if (!consentRegistry || !recipientTerms || !recipientBonds || !canaryRegistry) {
    throw new Error('this deployment has no accountability contracts');
  }
  const { publicClient } = clients;
  const firm = nativeAccount(generatePrivateKey());
  const broker = nativeAccount(generatePrivateKey()).address;
  const { steps, record, mismatches } = actSteps();

  await setAnvilBalance({ rpcUrl: deployment.rpcUrl, chainId: deployment.chainId, address: firm.address, value: parseEther('10') });
  const deposited = await depositBond({ clients, account: firm, address: recipientBonds, value: BOND });
  timeline({ kind: 'status', text: 'an analytics firm deposits a 1 ETH bond', transactionHash: deposited.hash });
  const { timestamp } = await publicClient.getBlock();
  const granted = await grantConsent({
    clients,
    account: council,
    address: consentRegistry,
    recipient: firm.address,
    devices: [device],
    streams: streamsToMask(STREAMS),
    commands: 0,
    purpose: 'traffic and pollution analytics',
    start: timestamp - 86_400n,
    expiry: timestamp + 30n * 86_400n,
  });
  timeline({
    kind: 'council',
    text: `council grants the firm consent ${granted.consentId} to every stream of ${deviceName}`,
    transactionHash: granted.hash,
  });
  const terms = await readTerms({ publicClient, address: recipientTerms, consentId: granted.consentId });
  record('terms after the grant', 'not accepted', terms.acceptedAt === 0n ? 'not accepted' : 'accepted');

  const delivered = await fetchConsentedReadings({
    gatewayUrl,
    chainId: deployment.chainId,
    consentRegistry,
    account: firm,
    device,
    consentId: granted.consentId,
    streams: streamsToMask(STREAMS),
  });
  timeline({ kind: 'status', text: `the firm receives ${delivered.readings.length} readings of ${deviceName}, some values canaries` });
  const canary = await waitForCommittedCanary({ clients, gatewayUrl, deployment, council, consentId: granted.consentId });
  record('a canary given to the firm, committed on chain', 'committed', canary ? 'committed' : 'none');
  if (!canary?.delivery) throw new Error('the gateway committed no canary of the firm’s delivery');
  timeline({
    kind: 'status',
    text: `a copy of the firm's data turns up at a data broker: the value ${canary.value} of reading ${canary.sequence} is the firm's canary`,
  });

  const claim = () =>
    claimLeak({
      clients,
      account: council,
      address: canaryRegistry,
      canary,
      delivery: canary.delivery!,
      leakedTo: broker,
      evidenceHash: keccak256(stringToHex(`found at the broker: ${canary.commitment}`)),
    });
  const early = await claim().then(
    () => 'held',
    (error: unknown) => (error instanceof ContractRefusal ? `refused ${error.errorName}` : Promise.reject(error)),
  );
  record('leak claimed before the firm accepted the terms', 'refused TermsNotAccepted', early);
  timeline({ kind: 'refused', text: `council claims the leak: ${early} (the firm never agreed to a penalty)` });

  const accepted = await acceptTerms({ clients, account: firm, address: recipientTerms, consentId: granted.consentId });
  const penalty = terms.terms.penaltyWei;
  const after = await readTerms({ publicClient, address: recipientTerms, consentId: granted.consentId });
  record(
    'the firm accepts the terms',
    `accepted, penalty ${formatEth(penalty)}`,
    after.acceptedAt === 0n ? 'not accepted' : `accepted, penalty ${formatEth(after.terms.penaltyWei)}`,
  );
  timeline({
    kind: 'status',
    text: `the firm accepts the terms of consent ${granted.consentId} on chain (penalty ${formatEth(penalty)} per leak)`,
    transactionHash: accepted.hash,
  });

  const bondBefore = (await readBond({ publicClient, address: recipientBonds, recipient: firm.address })).bond;
  const claimed = await claim();
  record('leak claimed under accepted terms', `held ${formatEth(penalty)}`, `held ${formatEth(claimed.held)}`);
  timeline({
    kind: 'council',
    text: `council claims the leak again: ${formatEth(claimed.held)} held from the firm's bond`,
    transactionHash: claimed.hash,
  });

  const disputed = await disputeLeak({
    clients,
    account: firm,
    address: canaryRegistry,
    commitment: claimed.commitment,
    answerHash: keccak256(stringToHex('we shared nothing with that broker')),
  });
  const disputedState = await readCanary({ publicClient, address: canaryRegistry, commitment: claimed.commitment });
  record('the firm disputes the claim', 'disputed', disputedState.claim.status);
  timeline({
    kind: 'status',
    text: 'the firm disputes the claim: the bond stays held until the arbiter rules',
    transactionHash: disputed.hash,
  });

  const councilBefore = await publicClient.getBalance({ address: council.address });
  const resolved = await resolveLeak({ clients, account: arbiter, address: canaryRegistry, commitment: claimed.commitment, upheld: true });
  const councilAfter = await publicClient.getBalance({ address: council.address });
  const bondAfter = await readBond({ publicClient, address: recipientBonds, recipient: firm.address });
  record(
    'the arbiter upholds the claim',
    `upheld, council paid ${formatEth(penalty)}`,
    `${resolved.outcome}, council paid ${formatEth(councilAfter - councilBefore)}`,
  );
  record(
    'the firm’s bond',
    `${formatEth(bondBefore - penalty)} left, nothing held`,
    `${formatEth(bondAfter.bond)} left, ${bondAfter.held === 0n ? 'nothing' : formatEth(bondAfter.held)} held`,
  );
  timeline({
    kind: 'council',
    text: `the council's arbiter upholds the claim: ${formatEth(resolved.paid)} paid to the council from the firm's bond`,
    transactionHash: resolved.hash,
  });

  return {
    recipient: firm.address,
    consentId: granted.consentId.toString(),
    penaltyWei: penalty.toString(),
    bondBeforeWei: bondBefore.toString(),
    bondAfterWei: bondAfter.bond.toString(),
    leakedTo: broker,
    steps,
    mismatches: mismatches(),
    transactions: { accept: accepted.hash, claim: claimed.hash, dispute: disputed.hash, resolve: resolved.hash },
  };
}

/** The first canary the gateway gave under the consent that is committed on chain (waits up to 20 s for the batch). */
async function waitForCommittedCanary(input: {
  clients: ChainClients;
  gatewayUrl: string;
  deployment: Deployment;
  council: LocalAccount;
  consentId: bigint;
}): Promise<GivenCanary | undefined> {
  const { clients, gatewayUrl, deployment, council, consentId } = input;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const given = await queryCanaries({
      gatewayUrl,
      chainId: deployment.chainId,
      consentRegistry: deployment.contracts.consentRegistry!,
      account: council,
      consentId,
    });
    for (const c of given) {
      if (!c.delivery) continue;
      const state = await readCanary({
        publicClient: clients.publicClient,
        address: deployment.contracts.canaryRegistry!,
        commitment: c.commitment,
      });
      if (state.committedAt !== 0n) return c;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return undefined;
}
