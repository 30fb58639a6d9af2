import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { Address } from 'viem';
import { readDeviceView } from '../../chain/readDevice.js';
import { contractWriter } from '../../chain/sendContractTransaction.js';
import { pythiaFleetAbi } from '../../contracts/abis.js';
import { AIR_QUALITY_CLASS_ID } from '../../protocol/airQuality.js';
import { createDeviceClient } from '../../sdk/createDeviceClient.js';
import { GatewayRejection, GatewayUnavailable } from '../../sdk/errors.js';
import { loadDeviceKey } from '../../sdk/loadDeviceKey.js';
import type { DeviceKey, ReadingStatus, SignedReading } from '../../sdk/types.js';
import { createFleet, nextReading, type Sensor } from '../../simulator/index.js';
import { collectText, parseChoiceArg, parseClassArg, parseIntegerArg } from '../args/index.js';
import { loadContext, loadRoleAccount, type CommandContext } from '../context.js';
import { type CommonOptions, withCommon } from '../options.js';
import { CliError, printResult, progress, UsageError } from '../output.js';
import { resolvePassphrase } from '../passphrase.js';
import { sendAs } from '../signer.js';

type SimulateOptions = CommonOptions & {
  devices?: number;
  keyFile?: string[];
  readings?: number;
  duration?: number;
  interval?: number;
  class: number;
  waitSeconds: number;
  transport: 'http' | 'mqtt';
};

/** What became of the readings sent, as the summary prints it. */
export type SimulationSummary = {
  classId: number;
  devices: Address[];
  registrationTransaction: string | null;
  sent: number;
  /** Refused by the gateway (no gas spent), by reason. */
  refused: Record<string, number>;
  accepted: number;
  flagged: number;
  /** Flags by reason (a reading may carry several). */
  flags: Record<string, number>;
  /** Not on chain (or not final) when the wait ended. */
  pending: number;
};

const increment = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** The class's profile on chain (its minimum interval paces the readings); refuses a class without one. */
async function classMinInterval(context: CommandContext, classId: number): Promise<number> {
  const [profile, version] = await context.publicClient.readContract({
    address: context.deployment.contracts.fleet,
    abi: pythiaFleetAbi,
    functionName: 'classProfile',
    args: [classId],
  });
  if (Number(version) === 0)
    throw new CliError(
      `class ${classId} has no behaviour profile: set one first (\`pythia profile set --class ${classId} --preset air-quality\`)`,
    );
  if (Number(profile.metricCount) !== 6)
    throw new CliError(`class ${classId}'s profile has ${profile.metricCount} metrics: the simulated air-quality sensors report 6`);
  return Number(profile.minInterval);
}

export function registerSimulateCommand(program: Command): void {
  withCommon(
    program
      .command('simulate')
      .description(
        'Run simulated air-quality sensors against the running node: register N new ones (keys made here, registered by the ' +
          "node's operator) or use registered devices' key files, then send signed readings to the node's gateway over HTTP or MQTT, as the " +
          'device SDK does, and report what the chain made of each (accepted, flagged, refused)',
      )
      .option('--devices <n>', 'new simulated sensors to register and run', parseIntegerArg('--devices', 1, 1000))
      .option(
        '--key-file <keystore>',
        `a registered device's key (from \`pythia device keygen\`; passphrase from PYTHIA_DEVICE_PASSPHRASE): send its readings; repeat for more`,
        collectText,
      )
      .option('--readings <n>', 'readings per device (default 3 unless --duration)', parseIntegerArg('--readings', 1, 10_000))
      .option('--duration <seconds>', 'send readings for this long instead of a number of them', parseIntegerArg('--duration', 1, 86_400))
      .option(
        '--interval <seconds>',
        "seconds between two readings of a device (default and minimum: the class profile's minInterval)",
        parseIntegerArg('--interval', 1, 3_600),
      )
      .option(
        '--transport <channel>',
        "how the devices send: http (POST /v1/readings) or mqtt (the node's broker, QoS 1, acknowledged once stored)",
        parseChoiceArg('--transport', ['http', 'mqtt'] as const),
        'http',
      )
      .option(
        '--class <id>',
        'device class of the new sensors (its profile must be the air-quality one)',
        parseClassArg('class'),
        AIR_QUALITY_CLASS_ID,
      )
      .option(
        '--wait-seconds <s>',
        'how long to wait for the chain to decide every reading (final) before reporting',
        parseIntegerArg('--wait-seconds', 0, 3_600),
        120,
      ),
    { json: 'print the summary as JSON' },
  ).action(async (options: SimulateOptions) => {
    if (options.devices === undefined && options.keyFile === undefined) throw new UsageError('give --devices <n> or --key-file <keystore>');
    if (options.readings !== undefined && options.duration !== undefined) throw new UsageError('give --readings or --duration, not both');
    const context = loadContext(options);
    const { deployment } = context;
    const domain = { chainId: deployment.chainId, verifyingContract: deployment.contracts.fleet };
    const minInterval = await classMinInterval(context, options.class);
    const interval = options.interval ?? Math.max(1, minInterval);
    if (interval < minInterval)
      throw new UsageError(
        `--interval ${interval} is below class ${options.class}'s minInterval of ${minInterval} s: the readings would be flagged`,
      );

    // Registered devices of their own first (a key that does not open costs nothing): each sends past its last sequence on chain.
    const ownKeys: { key: DeviceKey; lastSequence: bigint }[] = [];
    if (options.keyFile !== undefined) {
      const passphrase = await resolvePassphrase('device key', 'device');
      for (const path of options.keyFile) {
        const key = await loadDeviceKey(path, passphrase).catch((error: Error) => {
          throw new CliError(`cannot open the device key ${path}: ${error.message}`);
        });
        const view = await readDeviceView(context, key.deviceId);
        if (view.status !== 'active')
          throw new CliError(`${path}: device ${key.deviceId} is ${view.status === 'none' ? 'not registered' : view.status}`);
        ownKeys.push({ key, lastSequence: BigInt(view.lastSequence) });
      }
    }
    // One fleet model for all: new sensors get keys from a random seed (never a well-known one); the
    // last ones take the devices' own keys. A simulated day lasts long enough that two readings are at
    // most 3 simulated hours apart (the profile's maxDelta is sized for that).
    const newCount = options.devices ?? 0;
    const fleet = createFleet({
      devices: newCount + ownKeys.length,
      seed: randomBytes(32).toString('hex'),
      domain,
      classId: options.class,
      interval,
      dayLengthSeconds: Math.max(600, interval * 8),
      simulatedStart: 8 * 3_600,
      startTime: Math.floor(Date.now() / 1000),
    });
    const sensors: Sensor[] = fleet.sensors.map((sensor, i) => {
      const own = ownKeys[i - newCount];
      if (own === undefined) return sensor;
      sensor.sequences.skipPast(own.lastSequence);
      return { ...sensor, key: own.key, deviceId: own.key.deviceId };
    });
    let registrationTransaction: string | null = null;
    if (newCount > 0) {
      const operator = await loadRoleAccount(context, 'operator');
      const write = contractWriter({ clients: context, account: operator, address: deployment.contracts.fleet }, pythiaFleetAbi);
      const publicKeys = sensors.slice(0, newCount).map((s) => s.key.publicKey);
      for (let i = 0; i < publicKeys.length; i += 100) {
        const chunk = publicKeys.slice(i, i + 100);
        progress(options, `registering ${chunk.length} simulated sensor${chunk.length === 1 ? '' : 's'} in class ${options.class}...`);
        const { hash } = await sendAs(context, operator, 'simulate: register', () => write('registerDevices', [chunk, options.class]));
        registrationTransaction ??= hash;
      }
    }

    // Verdicts are read over HTTP whatever the transport (GET /v1/readings/:device/:sequence).
    const clients = new Map(
      sensors.map((s) => [
        s.deviceId,
        createDeviceClient({ gatewayUrl: deployment.gatewayUrl, key: s.key, domain, sequenceStore: s.sequences, retry: { attempts: 4 } }),
      ]),
    );
    const senders = new Map<Address, (values: readonly number[], timestamp: number) => Promise<SignedReading>>();
    const closers: (() => Promise<void>)[] = [];
    if (options.transport === 'mqtt') {
      const brokerUrl = deployment.mqttUrl;
      if (brokerUrl === undefined)
        throw new CliError('the node runs no MQTT channel (it was started with --no-mqtt): use --transport http');
      // The MQTT client library loads only when asked for, not for `simulate --help`.
      const { createMqttDeviceClient } = await import('../../sdk/createMqttDeviceClient.js');
      for (const sensor of sensors) {
        const client = await createMqttDeviceClient({ brokerUrl, key: sensor.key, domain, sequenceStore: sensor.sequences }).catch(
          (error: Error) => {
            throw new CliError(`cannot connect to the node's MQTT broker at ${brokerUrl}: ${error.message}`, 3);
          },
        );
        closers.push(() => client.close());
        senders.set(sensor.deviceId, async (values, timestamp) => (await client.sendReading(values, { timestamp })).reading);
      }
    } else {
      for (const sensor of sensors)
        senders.set(
          sensor.deviceId,
          async (values, timestamp) => (await clients.get(sensor.deviceId)!.sendReading(values, { timestamp })).reading,
        );
    }
    const sent: { device: Address; sequence: string }[] = [];
    const refused: Record<string, number> = {};
    const rounds = options.duration === undefined ? (options.readings ?? 3) : Math.max(1, Math.floor(options.duration / interval) + 1);
    const start = Date.now();
    progress(
      options,
      `sending ${rounds} reading${rounds === 1 ? '' : 's'} per device from ${sensors.length} device${sensors.length === 1 ? '' : 's'} to ${deployment.gatewayUrl}, one every ${interval} s...`,
    );
    for (let round = 0; round < rounds; round++) {
      const due = start + round * interval * 1000;
      if (Date.now() < due) await sleep(due - Date.now());
      const now = Math.floor(Date.now() / 1000);
      const simulated = fleet.simulatedTime(now);
      await Promise.all(
        sensors.map(async (sensor) => {
          try {
            const reading = await senders.get(sensor.deviceId)!(nextReading(sensor, simulated), now);
            sent.push({ device: sensor.deviceId, sequence: reading.sequence });
          } catch (error) {
            if (error instanceof GatewayRejection) increment(refused, error.reason);
            else if (error instanceof GatewayUnavailable)
              throw new CliError(`the gateway does not answer over ${options.transport} (${error.reason}): is \`pythia up\` running?`, 3);
            else throw error;
          }
        }),
      );
      progress(
        options,
        `round ${round + 1}/${rounds}: ${sent.length} readings acknowledged by the gateway${Object.keys(refused).length ? `, refused: ${JSON.stringify(refused)}` : ''}`,
      );
    }

    for (const close of closers) await close();

    // What the chain made of them: wait until each verdict is final, or the wait ends.
    const verdicts = new Map<string, ReadingStatus>();
    const deadline = Date.now() + options.waitSeconds * 1000;
    let shown = -1;
    while (verdicts.size < sent.length) {
      for (const { device, sequence } of sent) {
        const id = `${device}:${sequence}`;
        if (verdicts.has(id)) continue;
        const status = await clients
          .get(device)!
          .readingStatus(sequence)
          .catch(() => undefined);
        if (status && status.status !== 'pending' && status.finality === 'final') verdicts.set(id, status);
      }
      if (verdicts.size !== shown) {
        shown = verdicts.size;
        progress(options, `on chain (final): ${verdicts.size}/${sent.length}`);
      }
      if (verdicts.size === sent.length || Date.now() >= deadline) break;
      await sleep(1000);
    }
    const flags: Record<string, number> = {};
    let accepted = 0;
    let flagged = 0;
    for (const verdict of verdicts.values()) {
      if (verdict.status === 'accepted') accepted++;
      else if (verdict.status === 'flagged') {
        flagged++;
        for (const reason of verdict.reasons) increment(flags, reason);
      } else increment(refused, `chain:${verdict.reasons.join('+') || verdict.status}`);
    }
    const summary: SimulationSummary = {
      classId: options.class,
      devices: sensors.map((s) => s.deviceId),
      registrationTransaction,
      sent: sent.length,
      refused,
      accepted,
      flagged,
      flags,
      pending: sent.length - verdicts.size,
    };
    printResult(options, summary, () =>
      [
        `simulated ${sensors.length} device${sensors.length === 1 ? '' : 's'} of class ${options.class}${registrationTransaction ? ` (registered in ${registrationTransaction})` : ''}`,
        ...sensors.map((s) => `  ${s.deviceId}  ${s.site.name}`),
        `readings acknowledged by the gateway  ${sent.length}`,
        `  accepted on chain                   ${accepted}`,
        `  flagged on chain                    ${flagged}${
          flagged
            ? ` (${Object.entries(flags)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')})`
            : ''
        }`,
        `  not yet final                       ${summary.pending}`,
        `refused                               ${Object.values(refused).reduce((a, b) => a + b, 0)}${
          Object.keys(refused).length
            ? ` (${Object.entries(refused)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')})`
            : ''
        }`,
      ].join('\n'),
    );
    if (summary.pending > 0 || Object.keys(refused).length > 0) process.exitCode = 1;
  });
}
