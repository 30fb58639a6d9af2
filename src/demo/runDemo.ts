import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address, Hash } from 'viem';
import { pythiaFleetAbi } from '../contracts/abis.js';
import { compareOutcomes, type CompareOutcomesReturnType, type ExpectedOutcome, type Submission } from './compareOutcomes.js';
import { runAccountabilityPhase, type AccountabilitySummary } from './accountabilityPhase.js';
import { runDataSharingPhase, type DataSharingSummary } from './dataSharingPhase.js';
import { runPythiaPhase, type PythiaActSummary } from './pythiaPhase.js';
import { readOwnership } from '../chain/deviceOwnership.js';
import { createChainClients } from '../chain/clients.js';
import { readFleetEvents, type FleetEvent } from '../chain/fleetEvents.js';
import { readDeviceView } from '../chain/readDevice.js';
import { contractWriter } from '../chain/sendContractTransaction.js';
import { LIGHT_SCRYPT } from '../keystore/index.js';
import { GatewayRejection, gatewayRequest } from '../sdk/index.js';
import { MIN_DEMO_DEVICES } from './defaults.js';
import { AIR_QUALITY_CLASS_ID, airQualityMetrics, airQualityProfile } from '../protocol/airQuality.js';
import { createAllAttacks, createCompromisedSensorAttack, type Attack, type AttackAction } from '../simulator/attacks/index.js';
import { recordDeviceMetadata } from '../chain/deviceMetadata.js';
import { createFleet, deterministicKey, type Fleet } from '../simulator/fleet.js';
import { inspectReading } from '../protocol/inspectReading.js';
import type { SignedReading } from '../sdk/types.js';
import { startStack, type Stack } from '../stack/startStack.js';
import { dropIndexSchema } from '../indexer/postgresIndexerStore.js';
import { deploymentIdentity } from '../indexer/startIndexer.js';
import { unexpectedStep } from './actSteps.js';

export type RunDemoParameters = {
  durationSeconds: number;
  devices: number;
  seed?: number;
  /** Keep everything here; default a temporary folder removed at the end. */
  dataDir?: string;
  /** Encrypts the role keys; a throwaway one is made for a temporary data dir. */
  passphrase?: string;
  /** Index into this PostgreSQL database instead of the data dir's SQLite file (its schema is dropped with a temporary data dir). */
  databaseUrl?: string;
  databasePassword?: string;
  onTimeline?: (entry: TimelineEntry) => void;
  onProgress?: (message: string) => void;
  /**
   * Called with the summary while the node (chain, gateway, indexer, console) still runs; the node
   * stops when it settles. `pythia demo` prints the summary here and keeps the console open until
   * interrupted. Without it the node stops as soon as the summary is ready.
   */
  whileServing?: (summary: DemoSummary) => Promise<void>;
};

export type TimelineEntry = {
  at: number;
  kind: 'attack' | 'refused' | 'flagged' | 'status' | 'skipped' | 'council' | 'device' | 'unexpected';
  text: string;
  transactionHash?: Hash;
};

export type DemoSummary = {
  /** The council console's address with its login token (`#token=`), as `pythia up` prints it. */
  consoleUrl: string;
  chainId: number;
  fleetAddress: Address;
  durationSeconds: number;
  devices: number;
  /**
   * The simulated fleet's seed: the one asked for, or the next one whose sensors this chain does not
   * hold yet when an earlier run of a kept data dir registered them (their sequences are used up).
   */
  seed: number;
  readings: {
    sentToGateway: number;
    acknowledged: number;
    accepted: number;
    flagged: number;
    flaggedByReason: Record<string, number>;
    rejectedAtGateway: number;
    rejectedAtGatewayByReason: Record<string, number>;
    skippedOnChain: number;
    skippedOnChainByReason: Record<string, number>;
  };
  devicesSuspended: Array<{ device: Address; by: string; reason: string; transactionHash: Hash; blockNumber: string }>;
  devicesReinstated: Array<{ device: Address; reason: string; transactionHash: Hash }>;
  devicesRevoked: Array<{ device: Address; by: string; reason: string; transactionHash: Hash; blockNumber: string }>;
  attacks: Array<{ name: string; description: string; expectedOutcome: string; devices: Address[]; observed: boolean; notes: string[] }>;
  finalStatus: Record<string, string>;
  /** Human names (site) of the fleet's devices, by device id. */
  names: Record<string, string>;
  unexpected: string[];
  /** Data shared under consent, delivered, logged on chain, then revoked (issue #5). */
  dataSharing?: DataSharingSummary;
  /**
   * Terms accepted, a leak claimed, disputed and resolved, each step's expected against recorded
   * outcome (issue #12). A mismatch is also in `unexpected`.
   */
  accountability?: AccountabilitySummary;
  /**
   * The second act, the Pythia paper's: a sensor checks its Pythia's signed answers, installs a
   * published and approved firmware release, and changes owner, which voids the old owner's
   * consents; each step's expected against recorded outcome. A mismatch is also in `unexpected`.
   */
  pythiaAct?: PythiaActSummary;
  /**
   * Every reading sent, its expected outcome (the simulator's model for the fleet, the attack's
   * expectation for an attack) against what the gateway and the chain recorded. A mismatch is
   * also in `unexpected`.
   */
  outcomes: CompareOutcomesReturnType;
};

/** Seconds between two readings of a sensor: just above the profile's minimum interval. */
const SENSOR_INTERVAL = airQualityProfile.minInterval + 1;
const LOOP_MS = 200;
export { MIN_DEMO_DEVICES };

/**
 * The smart-city demonstration: a fleet of air-quality sensors reports through the gateway to
 * the embedded chain while the attacks of the paper happen; the council reinstates the
 * compromised sensor once, and when it misbehaves again the contract bans it.
 */
export async function runDemo(parameters: RunDemoParameters): Promise<DemoSummary> {
  const { durationSeconds, devices } = parameters;
  if (devices < MIN_DEMO_DEVICES)
    throw new RangeError(`the demonstration needs at least ${MIN_DEMO_DEVICES} devices (3 of them are taken over by attacks)`);
  const progress = parameters.onProgress ?? (() => {});
  const temporary = parameters.dataDir === undefined;
  const dataDir = parameters.dataDir ?? mkdtempSync(join(tmpdir(), 'pythia-demo-'));
  const passphrase = parameters.passphrase ?? randomBytes(24).toString('base64url');
  const startedAt = Date.now();
  const at = () => (Date.now() - startedAt) / 1000;
  const timeline = (entry: Omit<TimelineEntry, 'at'>) => parameters.onTimeline?.({ at: at(), ...entry });

  let stack: Stack | undefined;
  try {
    stack = await startStack({
      dataDir,
      passphrase,
      // The demonstration's own throwaway chain (docs/operations.md, "The chain").
      chain: 'anvil',
      gatewayPort: 0,
      command: 'pythia demo',
      ...(parameters.databaseUrl !== undefined && { databaseUrl: parameters.databaseUrl }),
      ...(parameters.databasePassword !== undefined && { databasePassword: parameters.databasePassword }),
      // A short run delivers few values: one in four is a canary, so that the accountability act has one.
      canaryEvery: 4,
      onProgress: progress,
      ...(temporary ? { scryptN: LIGHT_SCRYPT.n } : {}),
    });
    const { deployment } = stack;
    progress(`the council console (open it now: it follows the demo live): ${stack.consoleUrl}`);
    const clients = createChainClients(deployment);
    const fleetAddress = deployment.contracts.fleet;
    const operatorSend = contractWriter({ clients, account: stack.roles.operator, address: fleetAddress }, pythiaFleetAbi);

    const [, profileVersion] = await clients.publicClient.readContract({
      address: fleetAddress,
      abi: pythiaFleetAbi,
      functionName: 'classProfile',
      args: [AIR_QUALITY_CLASS_ID],
    });
    if (profileVersion === 0) {
      progress('setting the air-quality class profile');
      await operatorSend('setClassProfile', [AIR_QUALITY_CLASS_ID, airQualityProfile]);
    }

    const seed = await unusedFleetSeed(
      parameters.seed ?? 1,
      async (device) => (await readDeviceView({ publicClient: clients.publicClient, deployment }, device)).status === 'none',
    );
    if (seed !== (parameters.seed ?? 1)) {
      progress(
        `this chain already holds the sensors of seed ${parameters.seed ?? 1} (an earlier run of this data dir): a fresh fleet, seed ${seed}`,
      );
    }
    const fleet = createFleet({
      devices,
      seed,
      domain: { chainId: deployment.chainId, verifyingContract: fleetAddress },
      interval: SENSOR_INTERVAL,
      dayLengthSeconds: Math.max(120, durationSeconds),
    });
    const startBlock = (await clients.publicClient.getBlockNumber()) + 1n;
    progress(`registering ${devices} sensors`);
    const unregistered: `0x${string}`[] = [];
    for (const sensor of fleet.sensors) {
      const view = await readDeviceView({ publicClient: clients.publicClient, deployment }, sensor.deviceId);
      if (view.status === 'none') unregistered.push(sensor.key.publicKey);
    }
    for (let i = 0; i < unregistered.length; i += 100) {
      await operatorSend('registerDevices', [unregistered.slice(i, i + 100), AIR_QUALITY_CLASS_ID]);
    }
    // The sensors' sites, for the console's map (kept by the node, off chain: docs/console.md).
    recordDeviceMetadata({ dataDir, devices: fleet.registrationRequests().map((r) => ({ device: r.deviceId, metadata: r.metadata })) });

    const counts = newCounts();
    const unexpected: string[] = [];
    const submissions: Submission[] = [];
    /** Notes what became of each reading of a body at the gateway: refused (all of it: a request is atomic) or acknowledged. */
    const submitted = (
      source: string,
      readings: readonly SignedReading[],
      expected: (r: SignedReading) => ExpectedOutcome,
      response: { status: number; body: unknown },
    ) => {
      const refusedAs =
        response.status === 202 ? undefined : ((response.body as { error?: string } | undefined)?.error ?? `http_${response.status}`);
      for (const r of readings) {
        submissions.push({ source, device: r.device, sequence: BigInt(r.sequence), expected: expected(r), refusedAs });
      }
    };
    const post = async (body: unknown): Promise<{ status: number; body: unknown }> => {
      try {
        return await gatewayRequest({ url: `${stack!.gatewayUrl}/v1/readings`, method: 'POST', body });
      } catch (error) {
        if (error instanceof GatewayRejection) return { status: error.status, body: error.body };
        throw error;
      }
    };

    // The attacks, each starting at its share of the run.
    const attacks = createAllAttacks();
    const schedule = attacks.map((attack, i) => ({
      attack,
      startAt: durationSeconds * (0.1 + 0.1 * i),
      started: false,
      followedUp: false,
      notes: [] as string[],
      devices: new Set<Address>(),
    }));
    const compromised = schedule[0]!;
    let reinstated = false;
    let secondWave: (typeof schedule)[number] | undefined;

    const sendAction = async (entry: (typeof schedule)[number], action: AttackAction) => {
      entry.devices.add(action.device);
      counts.sentToGateway += 'readings' in action.body ? action.body.readings.length : 1;
      const response = await post(action.body);
      const expected: ExpectedOutcome =
        action.expect.outcome === 'rejected'
          ? { kind: 'refused', reason: action.expect.reason }
          : action.expect.flags.length === 0
            ? { kind: 'accepted' }
            : { kind: 'flagged', reasons: action.expect.flags };
      submitted(entry.attack.name, 'readings' in action.body ? action.body.readings : [action.body], () => expected, response);
      if (response.status >= 200 && response.status < 300) {
        counts.acknowledged += 'readings' in action.body ? action.body.readings.length : 1;
        timeline({
          kind: 'attack',
          text: `${entry.attack.name}: ${action.description} → accepted by the gateway (for the chain to judge)`,
        });
        if (action.expect.outcome === 'rejected') {
          unexpected.push(`${entry.attack.name}: expected ${action.expect.reason}, the gateway accepted`);
        }
      } else {
        const reason = (response.body as { error?: string } | undefined)?.error ?? `http_${response.status}`;
        const refused = 'readings' in action.body ? action.body.readings.length : 1;
        counts.rejectedAtGateway += refused;
        counts.rejectedAtGatewayByReason[reason] = (counts.rejectedAtGatewayByReason[reason] ?? 0) + refused;
        timeline({ kind: 'refused', text: `${entry.attack.name}: ${action.description} → ${response.status} ${reason}` });
        if (action.expect.outcome === 'rejected' && action.expect.reason !== reason) {
          unexpected.push(`${entry.attack.name}: expected ${action.expect.reason}, got ${reason}`);
        }
        if (action.expect.outcome === 'rejected' && action.expect.reason === reason) entry.notes.push(`${response.status} ${reason}`);
      }
    };

    let lastBlock = startBlock - 1n;
    const events: FleetEvent[] = [];
    const pollChain = async () => {
      const head = await clients.publicClient.getBlockNumber({ cacheTime: 0 });
      const fresh = await readFleetEvents(clients.publicClient, fleetAddress, lastBlock + 1n, head);
      lastBlock = head;
      for (const event of fresh) {
        events.push(event);
        const name = fleet.sensor(event.device ?? ('0x' as Address))?.site.name ?? event.device;
        if (event.kind === 'flagged') {
          const metric = event.reasons.some((r) => r === 'OutOfRange' || r === 'ExcessiveChange')
            ? `, ${describeMetric(event.metric, event.value)}`
            : '';
          timeline({
            kind: 'flagged',
            text: `${name} seq ${event.sequence} flagged ${event.reasons.join('+')}${metric}`,
            transactionHash: event.transactionHash,
          });
        } else if (event.kind === 'status') {
          const who = event.by.toLowerCase() === fleetAddress.toLowerCase() ? 'automatically' : 'by the operator';
          timeline({
            kind: 'status',
            text: `${name} ${event.previous} → ${event.current} ${who}: ${event.reason}`,
            transactionHash: event.transactionHash,
          });
        } else if (event.kind === 'skipped') {
          timeline({
            kind: 'skipped',
            text: `${name} seq ${event.sequence} skipped on chain: ${event.reason}`,
            transactionHash: event.transactionHash,
          });
        }
      }
    };

    progress(`running for ${durationSeconds} s`);
    // The run (and the attack schedule) starts now, after the chain, contracts and gateway are up,
    // so that a slow start on a busy machine does not eat into it.
    const runStartedAt = Date.now();
    const runAt = () => (Date.now() - runStartedAt) / 1000;
    const endAt = runStartedAt + durationSeconds * 1000;
    while (Date.now() < endAt) {
      const now = Date.now() / 1000;
      // The model's expectation needs each sensor's last reading before this tick records the new one.
      const before = new Map(fleet.sensors.map((s) => [s.deviceId.toLowerCase(), { timestamp: s.lastTimestamp, values: s.lastValues }]));
      const readings = fleet.tick(now);
      if (readings.length > 0) {
        counts.sentToGateway += readings.length;
        const response = await post({ readings });
        submitted('fleet', readings, (r) => expectedByModel(fleet, before.get(r.device.toLowerCase()), r), response);
        if (response.status === 202) counts.acknowledged += readings.length;
        else {
          const reason = (response.body as { error?: string } | undefined)?.error ?? `http_${response.status}`;
          unexpected.push(`fleet batch of ${readings.length} refused: ${reason}`);
          counts.rejectedAtGateway += readings.length;
          counts.rejectedAtGatewayByReason[reason] = (counts.rejectedAtGatewayByReason[reason] ?? 0) + readings.length;
        }
      }
      for (const entry of [...schedule, ...(secondWave ? [secondWave] : [])]) {
        if (!entry.started) {
          if (runAt() < entry.startAt) continue;
          entry.attack.start({ fleet });
          entry.started = true;
          timeline({ kind: 'attack', text: `${entry.attack.name} begins: ${entry.attack.description}` });
        }
        if (!entry.attack.done) {
          for (const action of entry.attack.step(now)) await sendAction(entry, action);
        } else if (!entry.followedUp && (await statusesHold(entry.attack, stack.gatewayUrl))) {
          entry.followedUp = true;
          for (const action of entry.attack.followUp(now)) await sendAction(entry, action);
        }
      }
      await pollChain();
      // The council's technician checks the suspended compromised sensor, finds nothing, and reinstates it;
      // it misbehaves again and the contract bans it (suspensionsBeforeRevoke).
      if (!reinstated && compromised.followedUp) {
        const device = [...compromised.devices][0]!;
        const view = await readDeviceView({ publicClient: clients.publicClient, deployment }, device);
        if (view.status === 'suspended') {
          reinstated = true;
          const { hash } = await operatorSend('reinstateDevice', [device, 'council inspection found no fault']);
          timeline({
            kind: 'council',
            text: `council reinstates ${fleet.sensor(device)?.site.name ?? device} after inspection`,
            transactionHash: hash,
          });
          const sensor = fleet.sensor(device)!;
          fleet.release(sensor);
          const attack = createCompromisedSensorAttack({ index: sensor.index });
          secondWave = {
            attack: renamed(attack, 'compromised-sensor (again)'),
            startAt: 0,
            started: false,
            followedUp: true,
            notes: [],
            devices: new Set(),
          };
        }
      }
      await new Promise((r) => setTimeout(r, LOOP_MS));
    }

    progress('waiting for the gateway to settle every acknowledged reading on chain');
    await drainGateway(stack.gatewayUrl, 60_000);
    await pollChain();

    const outcomes = compareOutcomes({ submissions, events });
    for (const m of outcomes.mismatches) {
      unexpected.push(`${m.source}: ${m.device} seq ${m.sequence} expected ${m.expected}, recorded ${m.recorded}`);
    }
    const summary = summarise({
      consoleUrl: stack.consoleUrl,
      outcomes,
      events,
      counts,
      schedule,
      secondWave,
      fleet,
      unexpected,
      fleetAddress,
      deployment,
      durationSeconds: at(),
      devices,
      seed,
    });
    const attacked = new Set(schedule.flatMap((s) => [...s.devices]));
    const honestSensors = fleet.sensors.filter((sensor) => !attacked.has(sensor.deviceId));
    // The acts below need a sensor the council owns: a kept --data-dir may have sold one in an earlier run.
    const ownerOf = async (device: Address) =>
      deployment.contracts.deviceOwnership
        ? (await readOwnership({ publicClient: clients.publicClient, ownership: deployment.contracts.deviceOwnership }, device)).owner
        : stack!.roles.operator.address;
    const honest = await firstOwnedBy(honestSensors, stack.roles.operator.address, ownerOf);
    if (honest && deployment.contracts.consentRegistry) {
      progress('sharing data under consent');
      summary.dataSharing = await runDataSharingPhase({
        clients,
        deployment,
        gatewayUrl: stack.gatewayUrl,
        council: stack.roles.operator,
        device: honest.deviceId,
        deviceName: honest.site.name,
        timeline,
      });
      if (summary.dataSharing.readingsDelivered === 0) summary.unexpected.push('the lab received no readings under its consent');
      if (!summary.dataSharing.loggedOnChain) summary.unexpected.push('the delivery to the lab was not logged on chain');
      if (summary.dataSharing.refusedAfterRevocation !== 'consent_revoked') {
        summary.unexpected.push(
          `after revocation the lab was ${summary.dataSharing.refusedAfterRevocation ? `refused ${summary.dataSharing.refusedAfterRevocation}` : 'served'}`,
        );
      }
    }
    if (honest && deployment.contracts.canaryRegistry) {
      progress('the second act (the Pythia paper’s): a trap-street canary leaks; the claim is disputed and resolved under accepted terms');
      summary.accountability = await runAccountabilityPhase({
        clients,
        deployment,
        gatewayUrl: stack.gatewayUrl,
        council: stack.roles.operator,
        arbiter: stack.roles.admin,
        device: honest.deviceId,
        deviceName: honest.site.name,
        timeline,
      });
      summary.unexpected.push(...summary.accountability.mismatches.map((m) => unexpectedStep('accountability', m)));
    }
    // The rest of the second act (the Pythia paper's), last since it sells the sensor: on an honest
    // sensor the council still owns, another than the acts above used when the fleet has one.
    const forSale = deployment.contracts.deviceOwnership
      ? await firstOwnedBy(
          [...honestSensors.filter((sensor) => sensor !== honest), ...(honest ? [honest] : [])],
          stack.roles.operator.address,
          ownerOf,
        )
      : undefined;
    if (forSale && deployment.contracts.firmwareRegistry && deployment.contracts.consentRegistry) {
      progress('a sensor and its Pythia, a firmware release, a sale');
      summary.pythiaAct = await runPythiaPhase({
        clients,
        deployment,
        gatewayUrl: stack.gatewayUrl,
        council: stack.roles.operator,
        admin: stack.roles.admin,
        pythia: stack.roles.pythia,
        deviceKey: forSale.key,
        deviceName: forSale.site.name,
        timeline,
      });
      summary.unexpected.push(...summary.pythiaAct.mismatches.map((m) => unexpectedStep('second act', m)));
    } else if (deployment.contracts.deviceOwnership) {
      summary.unexpected.push(
        'the second act found no honest sensor the council still owns (each was sold in an earlier run of this --data-dir)',
      );
    }
    summary.finalStatus = {};
    for (const device of new Set(schedule.flatMap((s) => [...s.devices]))) {
      summary.finalStatus[device] = (await readDeviceView({ publicClient: clients.publicClient, deployment }, device)).status;
    }
    await parameters.whileServing?.(summary);
    return summary;
  } finally {
    await stack?.stop();
    if (temporary && stack && parameters.databaseUrl !== undefined) {
      // The throwaway demo's index goes with its data dir.
      await dropIndexSchema({
        url: parameters.databaseUrl,
        ...(parameters.databasePassword !== undefined && { password: parameters.databasePassword }),
        identity: deploymentIdentity(stack.deployment),
      }).catch((error: unknown) => progress(`could not drop the demo's index schema: ${(error as Error).message}`));
    }
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The first seed from `requested` whose first sensor is not registered yet: a fleet of a kept data
 * dir's earlier run has signed sequences and verdicts on chain, so running it again would only
 * replay them.
 */
export async function unusedFleetSeed(requested: number, isUnregistered: (device: Address) => Promise<boolean>): Promise<number> {
  const attempts = 1000;
  for (let seed = requested; seed < requested + attempts; seed++) {
    if (await isUnregistered(deterministicKey(seed, 'sensor-0').deviceId)) return seed;
  }
  throw new Error(
    `the chain holds the fleets of seeds ${requested} to ${requested + attempts - 1}: start with another --seed or a new --data-dir`,
  );
}

function describeMetric(index: number, raw: number): string {
  const metric = airQualityMetrics[index];
  return metric ? `${metric.label} ${(raw / metric.scale).toFixed(1)} ${metric.unit}` : `metric ${index} = ${raw}`;
}

function renamed(attack: Attack, name: string): Attack {
  return Object.defineProperties(Object.create(attack) as Attack, { name: { value: name }, done: { get: () => attack.done } });
}

function newCounts() {
  return {
    sentToGateway: 0,
    acknowledged: 0,
    rejectedAtGateway: 0,
    rejectedAtGatewayByReason: {} as Record<string, number>,
  };
}

/** Whether the gateway (not just the chain) already sees each device in its expected status. */
async function statusesHold(attack: Attack, gatewayUrl: string): Promise<boolean> {
  for (const expected of attack.expectedStatus()) {
    const response = await gatewayRequest({
      url: `${gatewayUrl}/v1/devices/${expected.device}`,
      method: 'GET',
      retry: { attempts: 1 },
    }).catch(() => undefined);
    if ((response?.body as { status?: string } | undefined)?.status !== expected.status.toLowerCase()) return false;
  }
  return true;
}

async function drainGateway(gatewayUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const health = await gatewayRequest({ url: `${gatewayUrl}/healthz`, method: 'GET', retry: { attempts: 1 } }).catch(() => undefined);
    if (health && (health.body as { pending?: number }).pending === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the gateway still had readings pending after ${timeoutMs / 1000} s`);
}

/** The simulator's model of the contract (inspectReading): what a fleet reading should be, given the sensor's last one. */
function expectedByModel(
  fleet: Fleet,
  previous: { timestamp: number | undefined; values: readonly number[] | undefined } | undefined,
  reading: SignedReading,
): ExpectedOutcome {
  const flags = inspectReading({
    profile: fleet.profile,
    previous: previous?.timestamp === undefined ? undefined : { timestamp: previous.timestamp, values: previous.values },
    reading,
  }).reasons;
  return flags.length === 0 ? { kind: 'accepted' } : { kind: 'flagged', reasons: flags };
}

/** The first sensor whose token `owner` holds. */
async function firstOwnedBy<S extends { deviceId: Address }>(
  sensors: readonly S[],
  owner: Address,
  ownerOf: (device: Address) => Promise<Address | null>,
): Promise<S | undefined> {
  for (const sensor of sensors) if ((await ownerOf(sensor.deviceId)) === owner) return sensor;
  return undefined;
}

function summarise(input: {
  consoleUrl: string;
  outcomes: CompareOutcomesReturnType;
  events: FleetEvent[];
  counts: ReturnType<typeof newCounts>;
  schedule: Array<{ attack: Attack; notes: string[]; devices: Set<Address> }>;
  secondWave: { attack: Attack; notes: string[]; devices: Set<Address> } | undefined;
  fleet: Fleet;
  unexpected: string[];
  fleetAddress: Address;
  deployment: Stack['deployment'];
  durationSeconds: number;
  devices: number;
  seed: number;
}): DemoSummary {
  const { events, counts, fleetAddress } = input;
  const tally = (values: string[]) => {
    const counts: Record<string, number> = {};
    for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
    return counts;
  };
  const flagged = events.filter((e) => e.kind === 'flagged');
  const skipped = events.filter((e) => e.kind === 'skipped');
  const statusEvents = events.filter((e) => e.kind === 'status');
  const by = (address: Address) => (address.toLowerCase() === fleetAddress.toLowerCase() ? 'contract (automatic)' : address);
  const statusList = (current: string) =>
    statusEvents
      .filter((e) => e.current === current)
      .map((e) => ({
        device: e.device,
        by: by(e.by),
        reason: e.reason,
        transactionHash: e.transactionHash,
        // A decimal string, as every --json output gives block numbers (docs/cli.md).
        blockNumber: e.blockNumber.toString(),
      }));
  const attacks = input.schedule.map(({ attack, notes, devices }) => {
    const deviceList = [...devices];
    const onChain = events.filter(
      (e) =>
        'device' in e &&
        deviceList.some((d) => d.toLowerCase() === e.device?.toLowerCase()) &&
        (e.kind === 'flagged' || e.kind === 'status'),
    );
    const observed = notes.length > 0 || onChain.length > 0;
    return {
      name: attack.name,
      description: attack.description,
      expectedOutcome: attack.expectedOutcome,
      devices: deviceList,
      observed,
      notes: [
        ...new Set([
          ...notes,
          ...onChain.map((e) => (e.kind === 'flagged' ? `flagged ${e.reasons.join('+')}` : e.kind === 'status' ? `${e.current}` : '')),
        ]),
      ],
    };
  });
  return {
    consoleUrl: input.consoleUrl,
    chainId: input.deployment.chainId,
    fleetAddress,
    durationSeconds: Math.round(input.durationSeconds),
    devices: input.devices,
    seed: input.seed,
    readings: {
      ...counts,
      accepted: events.filter((e) => e.kind === 'accepted').length,
      flagged: flagged.length,
      flaggedByReason: tally(flagged.flatMap((e) => e.reasons)),
      skippedOnChain: skipped.length,
      skippedOnChainByReason: tally(skipped.map((e) => e.reason)),
    },
    devicesSuspended: statusList('suspended'),
    devicesReinstated: statusEvents
      .filter((e) => e.previous === 'suspended' && e.current === 'active')
      .map((e) => ({ device: e.device, reason: e.reason, transactionHash: e.transactionHash })),
    devicesRevoked: statusList('revoked'),
    attacks,
    finalStatus: {},
    names: Object.fromEntries(input.fleet.sensors.map((sensor) => [sensor.deviceId, sensor.site.name])),
    unexpected: input.unexpected,
    outcomes: input.outcomes,
  };
}
