import { createHash, randomBytes } from 'node:crypto';
import { bytesToHex, concat, keccak256, parseEther, stringToHex, type Address, type Hash, type Hex, type LocalAccount } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import type { ConsentAnswer } from '../answers/questions/consent.js';
import type { FirmwareApprovedAnswer } from '../answers/questions/firmwareApproved.js';
import { AnswerError } from '../answers/errors.js';
import { verifyAnswer } from '../answers/verifyAnswer.js';
import type { ChainClients } from '../chain/clients.js';
import { grantConsent, readConsent } from '../chain/consent/index.js';
import type { Deployment } from '../chain/deployment.js';
import { assignClassManufacturer, readClassManufacturer } from '../chain/deviceIdentity.js';
import { acceptTransfer, offerTransfer, readOwnership } from '../chain/deviceOwnership.js';
import {
  approveRelease,
  publishRelease,
  readFirmwareClass,
  readFirmwareState,
  setReleaseKeys,
  signManifest,
} from '../chain/firmware/index.js';
import { nativeAccount, privateKeyOfNativeAccount } from '../chain/nativeAccount.js';
import { provisioningBundleFields } from '../chain/provisioningBundleFields.js';
import { setAnvilBalance } from '../chain/setAnvilBalance.js';
import { timelockAddress } from '../chain/timelock.js';
import { AIR_QUALITY_CLASS_ID } from '../protocol/airQuality.js';
import { streamsToMask } from '../protocol/consentScope.js';
import { acknowledgeOwner } from '../sdk/acknowledgeOwner.js';
import { askPythia } from '../sdk/askPythia.js';
import { checkFirmwareImage } from '../sdk/checkFirmwareImage.js';
import { createQuestionSequence } from '../sdk/createQuestionSequence.js';
import { deviceKeyFromPrivateKey } from '../sdk/deviceKeyFromPrivateKey.js';
import { GatewayRejection } from '../sdk/errors.js';
import { fetchConsentedReadings } from '../sdk/fetchConsentedReadings.js';
import { gatewayRequest } from '../sdk/gatewayRequest.js';
import { parseProvisioningBundle, trustedKeysOf } from '../sdk/provisioningBundle.js';
import { requestAnswer } from '../sdk/requestAnswer.js';
import { sendFirmwareReport } from '../sdk/sendFirmwareReport.js';
import type { DeviceKey } from '../sdk/types.js';
import { type ActStep, actSteps } from './actSteps.js';

/** What the second act of the demonstration (the Pythia paper's) showed. */
export type PythiaActSummary = {
  device: Address;
  /** The Pythia key whose signatures the device checked. */
  pythiaKey: Address;
  firmware: { releaseId: Hex; sequence: string; digest: Hex; size: string };
  /** The household the sensor was sold to, and the recipient whose consent died with the sale. */
  newOwner: Address;
  recipient: Address;
  consentId: string;
  steps: ActStep[];
  mismatches: ActStep[];
  transactions: { publish: Hash; approve: Hash; grant: Hash; transfer: Hash };
};

export type PythiaPhaseParameters = {
  clients: ChainClients;
  deployment: Deployment;
  gatewayUrl: string;
  /** The sensors' owner (their tokens were minted to the operator). */
  council: LocalAccount;
  /** The council's timelock proposer (the admin key in a local deployment): assigns the class's manufacturer. */
  admin: LocalAccount;
  /** This node's Pythia key (its answers' signer). */
  pythia: LocalAccount;
  /** The sensor: a constrained device that holds only its key and its provisioning bundle. */
  deviceKey: DeviceKey;
  deviceName: string;
  timeline: (entry: { kind: 'council' | 'refused' | 'status' | 'device'; text: string; transactionHash?: Hash }) => void;
};

const RELEASE_KEYS = 3;
const RELEASE_THRESHOLD = 2;

/**
 * The second act, the Pythia paper's: a sensor too small for a node asks its Pythia who owns it and
 * checks the signed answer (a tampered copy fails the check), and acknowledges its owner on chain;
 * the manufacturer publishes a firmware release signed by 2 of its 3 release keys, the council (the
 * owner) approves it, the sensor asks whether it may install it, checks the image against the
 * signed answer and reports the install on chain; the council sells the sensor to a household,
 * the consent it had given a weather service dies with the sale (the service is refused and the
 * sensor's Pythia says so in a signed answer), and the sensor acknowledges its new owner.
 */
export async function runPythiaPhase(parameters: PythiaPhaseParameters): Promise<PythiaActSummary> {
  const { clients, deployment, gatewayUrl, council, admin, pythia, deviceKey, deviceName, timeline } = parameters;
  const { deviceOwnership, firmwareRegistry, consentRegistry, deviceIdentity } = deployment.contracts;
  if (!deviceOwnership || !firmwareRegistry || !consentRegistry || !deviceIdentity) {
    throw new Error('this deployment has no ownership, firmware or consent contracts');
  }
  const { publicClient } = clients;
  const device = deviceKey.deviceId;
  const { steps, record, mismatches } = actSteps();
  const fund = (address: Address) =>
    setAnvilBalance({ rpcUrl: deployment.rpcUrl, chainId: deployment.chainId, address, value: parseEther('10') });

  // What the sensor was given at manufacture to trust its Pythia (`pythia bundle create`).
  const pythiaPrivateKey = privateKeyOfNativeAccount(pythia);
  if (!pythiaPrivateKey) throw new Error('the Pythia key is not a native account');
  const pythiaDeviceKey = deviceKeyFromPrivateKey(pythiaPrivateKey);
  const bundle = parseProvisioningBundle(
    await provisioningBundleFields({
      publicClient,
      deployment: { ...deployment, gatewayUrl },
      pythiaKey: { address: pythiaDeviceKey.deviceId, publicKey: pythiaDeviceKey.publicKey },
      requireAttested: false,
      freshness: { maxAgeSeconds: 300, maxAgeBlocks: 100 },
    }),
  );
  const questions = createQuestionSequence();
  const ask = { key: deviceKey, bundle, sequence: questions, gatewayUrl };

  // 1. The sensor asks its Pythia and checks the signed answer.
  const raw = await requestAnswer({ ...ask, question: 'device_owner', params: { device } });
  const check = (answer: Uint8Array) =>
    verifyAnswer({
      answer,
      trustedKeys: trustedKeysOf(bundle),
      challenge: raw.challenge,
      question: { question: raw.question.id, params: { device } },
      chainId: bundle.chainId,
      maxAgeSeconds: bundle.freshness.maxAgeSeconds,
      maxAgeBlocks: bundle.freshness.maxAgeBlocks,
    });
  const verified = check(raw.answer);
  const owner = (verified.answer as { owner: Address }).owner;
  record('the sensor checks its Pythia’s signed answer', `signed by ${pythia.address}`, `signed by ${verified.signer}`);
  timeline({
    kind: 'device',
    text: `${deviceName} asks its Pythia who owns it: signed answer (${raw.answer.length} bytes, block ${verified.blockNumber}) checked with one ECDSA verification: owner ${owner}`,
  });
  const tampered = Uint8Array.from(raw.answer);
  tampered[tampered.length - 10]! ^= 0x01;
  let tamperedOutcome = 'accepted';
  try {
    check(tampered);
  } catch (error) {
    if (!(error instanceof AnswerError)) throw error;
    tamperedOutcome = `refused ${error.reason}`;
  }
  record('a tampered copy of the answer', 'refused bad_signature', tamperedOutcome);
  timeline({ kind: 'refused', text: `a copy of the answer with one bit changed: ${tamperedOutcome} by the sensor` });
  const firstAck = await acknowledgeOwner(ask);
  const firstAckDone = firstAck.actionId === undefined ? firstAck.outcome : await waitForDeviceAction(gatewayUrl, firstAck.actionId);
  record('the sensor acknowledges its owner on chain', 'done', firstAck.outcome === 'up_to_date' ? 'done' : firstAckDone);
  timeline({
    kind: 'device',
    text: `${deviceName} acknowledges its owner (epoch ${firstAck.epoch}) with its own signature, relayed on chain`,
  });

  // 2. A firmware release: published, approved, checked and installed.
  // The demo's manufacturer and release keys derive from the node's admin key, so a kept --data-dir runs again.
  const derived = (label: string): LocalAccount => {
    const secret = privateKeyOfNativeAccount(admin);
    return nativeAccount(secret ? keccak256(concat([secret, stringToHex(`pythia demo: ${label}`)])) : generatePrivateKey());
  };
  const manufacturer = derived('manufacturer');
  const releaseKeys = Array.from({ length: RELEASE_KEYS }, (_, i) => derived(`release key ${i + 1}`));
  await fund(manufacturer.address);
  const classId = AIR_QUALITY_CLASS_ID;
  if ((await readClassManufacturer({ publicClient, identity: deviceIdentity }, classId)) !== manufacturer.address) {
    const assigned = await assignClassManufacturer({
      clients,
      account: admin,
      identity: deviceIdentity,
      timelock: timelockAddress(deployment),
      classId,
      manufacturer: manufacturer.address,
    });
    timeline({
      kind: 'council',
      text: `council assigns the air-quality class to its manufacturer ${manufacturer.address} (through its timelock)`,
      ...(assigned.executed && { transactionHash: assigned.executed.hash }),
    });
  }
  const firmwareWrite = { clients, address: firmwareRegistry };
  let klass = await readFirmwareClass({ publicClient, registry: firmwareRegistry, classId });
  if (klass.keysVersion === 0n) {
    await setReleaseKeys({
      ...firmwareWrite,
      account: manufacturer,
      classId,
      keys: releaseKeys.map((k) => k.address),
      threshold: RELEASE_THRESHOLD,
    });
    klass = await readFirmwareClass({ publicClient, registry: firmwareRegistry, classId });
  }
  const running = (await readFirmwareState({ publicClient, registry: firmwareRegistry, device })).installedSequence;
  const image = new Uint8Array(randomBytes(4096));
  const digest = bytesToHex(createHash('sha256').update(image).digest());
  const { timestamp } = await publicClient.getBlock();
  const manifest = {
    classId,
    sequence: klass.latestSequence + 1n,
    digest,
    size: BigInt(image.length),
    location: `https://firmware.example/air/${klass.latestSequence + 1n}.bin`,
    issuedAt: timestamp,
  };
  const signatures = await Promise.all(
    releaseKeys
      .slice(0, RELEASE_THRESHOLD)
      .map((key) => signManifest({ key, chainId: deployment.chainId, registry: firmwareRegistry, manifest })),
  );
  const published = await publishRelease({ ...firmwareWrite, account: manufacturer, manifest, signatures });
  timeline({
    kind: 'status',
    text: `the manufacturer publishes firmware ${manifest.sequence} for air-quality sensors, signed by ${RELEASE_THRESHOLD} of its ${RELEASE_KEYS} release keys (${image.length} bytes, SHA-256 ${digest.slice(0, 12)}…)`,
    transactionHash: published.hash,
  });
  const release = { classId, sequence: manifest.sequence };
  const askFirmware = () =>
    requestAnswer({ ...ask, question: 'firmware_approved', params: { device, classId, sequence: Number(manifest.sequence) } });
  const before = await askFirmware();
  const notYet = await checkFirmwareImage({ ...before, bundle, device, classId, runningSequence: running, release, image }).then(
    () => 'may install',
    (error: Error & { reason?: string }) => `refused ${error.message}`,
  );
  record('the sensor asks before the owner approved', 'refused not_approved: the Pythia answers owner_approval_missing', notYet);
  timeline({ kind: 'refused', text: `${deviceName} asks whether it may install firmware ${manifest.sequence}: ${notYet}` });
  const approved = await approveRelease({ ...firmwareWrite, account: council, device, releaseId: published.releaseId });
  timeline({
    kind: 'council',
    text: `council, the sensor's owner, approves firmware ${manifest.sequence} for ${deviceName}`,
    transactionHash: approved.hash,
  });
  // The Pythia answers at a final block (on the embedded chain: one saved to disk), so the approval shows within a second or two.
  const checked = await until(
    async () => {
      const answer = await askFirmware();
      return checkFirmwareImage({ ...answer, bundle, device, classId, runningSequence: running, release, image }).catch(
        (error: Error & { reason?: string }) => (error.reason === 'not_approved' ? undefined : Promise.reject(error)),
      );
    },
    (result) => result !== undefined,
  );
  if (!checked) throw new Error(`the Pythia did not answer that firmware ${manifest.sequence} is approved within 20 s`);
  record(
    'the sensor checks the image against the signed answer',
    `approved, SHA-256 ${digest.slice(0, 18)}…`,
    `${(checked.verified.answer as FirmwareApprovedAnswer).approved ? 'approved' : 'not approved'}, SHA-256 ${checked.digest.slice(0, 18)}…`,
  );
  timeline({
    kind: 'device',
    text: `${deviceName} asks again: approved; the image's size and SHA-256 match the signed answer: it installs firmware ${manifest.sequence}`,
  });
  const firmwareState = await readFirmwareState({ publicClient, registry: firmwareRegistry, device });
  const report = await sendFirmwareReport({
    key: deviceKey,
    bundle,
    gatewayUrl,
    sequence: checked.sequence,
    digest: checked.digest,
    nonce: firmwareState.lastNonce + 1n,
  });
  await waitForDeviceAction(gatewayUrl, report.actionId);
  const installed = (await readFirmwareState({ publicClient, registry: firmwareRegistry, device })).installedSequence;
  record('the firmware the chain says the sensor runs', `${manifest.sequence}`, `${installed}`);
  timeline({ kind: 'device', text: `${deviceName} reports firmware ${installed} installed, signed with its own key, recorded on chain` });

  // 3. The sensor changes owner, and the old owner's consents die.
  const household = nativeAccount(generatePrivateKey());
  const service = nativeAccount(generatePrivateKey());
  await fund(household.address);
  const streams = streamsToMask(['pm25']);
  const granted = await grantConsent({
    clients,
    account: council,
    address: consentRegistry,
    recipient: service.address,
    devices: [device],
    streams,
    commands: 0,
    purpose: 'pollen and pollution forecast',
    start: timestamp - 86_400n,
    expiry: timestamp + 30n * 86_400n,
  });
  timeline({
    kind: 'council',
    text: `council lets a weather service read the PM2.5 of ${deviceName} (consent ${granted.consentId})`,
    transactionHash: granted.hash,
  });
  const fetchAsService = () =>
    fetchConsentedReadings({
      gatewayUrl,
      chainId: deployment.chainId,
      consentRegistry,
      account: service,
      device,
      consentId: granted.consentId,
      streams,
    });
  const served = await fetchAsService();
  record('the weather service reads under the consent', 'served', served.readings.length > 0 ? 'served' : 'served nothing');
  timeline({ kind: 'status', text: `the weather service receives ${served.readings.length} PM2.5 readings of ${deviceName}` });
  const offered = await offerTransfer({ clients, account: council, address: deviceOwnership, device, to: household.address });
  timeline({ kind: 'council', text: `council sells ${deviceName} to a household ${household.address}`, transactionHash: offered.hash });
  const transferred = await acceptTransfer({ clients, account: household, address: deviceOwnership, device });
  const ownership = await readOwnership({ publicClient, ownership: deviceOwnership }, device);
  record('the sensor’s owner on chain', household.address, ownership.owner ?? 'none');
  timeline({
    kind: 'status',
    text: `the household accepts: ${deviceName} changes owner (ownership epoch ${ownership.epoch}); every grant of the council on it is void`,
    transactionHash: transferred.hash,
  });
  const refused = await until(
    () =>
      fetchAsService().then(
        () => 'served',
        (error: unknown) => (error instanceof GatewayRejection ? `refused ${error.reason}` : Promise.reject(error)),
      ),
    (outcome) => outcome !== 'served',
  );
  record('the weather service asks again', 'refused ownership_changed', refused);
  timeline({ kind: 'refused', text: `the weather service asks again: ${refused}` });
  const consentAnswer = await until(
    () =>
      askPythia<ConsentAnswer>({
        ...ask,
        question: 'consent',
        params: { device, recipient: service.address, consentId: granted.consentId.toString(), streams, commands: 0 },
      }),
    (verified) => !verified.answer.permitted,
  );
  const consentSays = consentAnswer.answer.permitted ? 'permitted' : `not permitted: ${consentAnswer.answer.refusal}`;
  record('the sensor asks its Pythia about the old consent', 'not permitted: ownership-changed', consentSays);
  timeline({
    kind: 'device',
    text: `${deviceName} asks its Pythia about consent ${granted.consentId}: ${consentSays} (signed answer checked)`,
  });
  const consent = await readConsent({ publicClient, registry: consentRegistry, consentId: granted.consentId });
  record('the consent on chain', 'ownership-changed', consent.status);
  const secondAck = await until(
    () => acknowledgeOwner(ask),
    (acknowledged) => acknowledged.epoch === ownership.epoch,
  );
  const secondAckDone = secondAck.actionId === undefined ? secondAck.outcome : await waitForDeviceAction(gatewayUrl, secondAck.actionId);
  record('the sensor acknowledges its new owner', `${household.address}, done`, `${secondAck.owner}, ${secondAckDone}`);
  timeline({
    kind: 'device',
    text: `${deviceName} learns its new owner from a signed answer and acknowledges it on chain (epoch ${secondAck.epoch})`,
  });

  return {
    device,
    pythiaKey: verified.signer,
    firmware: { releaseId: published.releaseId, sequence: manifest.sequence.toString(), digest, size: manifest.size.toString() },
    newOwner: household.address,
    recipient: service.address,
    consentId: granted.consentId.toString(),
    steps,
    mismatches: mismatches(),
    transactions: { publish: published.hash, approve: approved.hash, grant: granted.hash, transfer: transferred.hash },
  };
}

/**
 * Asks again until the answer is the one looked for (up to 20 s), and returns the last answer: the
 * Pythia and the gateway answer from final blocks, a second or two behind the transaction.
 */
async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Waits (up to 20 s) for the gateway to settle a device action on chain: done, or failed with the chain's reason. */
async function waitForDeviceAction(gatewayUrl: string, id: number): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const { body } = await gatewayRequest({ url: `${gatewayUrl}/v1/device-actions/${id}`, method: 'GET', retry: { attempts: 1 } });
    const action = body as { status: string; error: string | null };
    if (action.status === 'done') return 'done';
    if (action.status === 'failed') return `failed: ${action.error}`;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return 'still pending after 20 s';
}
