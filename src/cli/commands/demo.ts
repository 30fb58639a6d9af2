import type { Command } from 'commander';
import { MIN_DEMO_DEVICES } from '../../demo/defaults.js';
import type { DemoSummary, TimelineEntry } from '../../demo/runDemo.js';
import { parseIntegerArg } from '../args/index.js';
import { resolveDataDir } from '../context.js';
import { type CommonOptions, withCommon } from '../options.js';
import { formatEth, formatTable, printResult, progress } from '../output.js';
import { resolvePassphrase } from '../passphrase.js';
import { databasePasswordFileOption, databaseUrlOption, resolveDatabaseOptions, type DatabaseOptions } from '../databaseOptions.js';

type DemoOptions = CommonOptions & DatabaseOptions & { duration: number; devices: number; seed: number; console: boolean };

const LABELS: Record<TimelineEntry['kind'], string> = {
  attack: 'ATTACK ',
  refused: 'REFUSED',
  flagged: 'FLAG   ',
  status: 'STATUS ',
  skipped: 'SKIPPED',
  council: 'COUNCIL',
  device: 'DEVICE ',
  unexpected: '!!     ',
};

export function registerDemoCommand(program: Command): void {
  withCommon(
    program
      .command('demo')
      .description('Run the smart-city air-quality demonstration, with the attacks of the paper, on the embedded chain')
      .option('--duration <seconds>', 'how long the fleet reports', parseIntegerArg('duration', 20, 86_400), 60)
      .option(
        '--devices <n>',
        'sensors in the fleet (3 are taken over by attacks)',
        parseIntegerArg('devices', MIN_DEMO_DEVICES, 2_000),
        20,
      )
      .option(
        '--seed <n>',
        'seed of the simulated fleet (keys, sites, data); a kept --data-dir whose chain holds that fleet from an earlier run takes the next unused seed',
        parseIntegerArg('seed', 0, 2 ** 31),
        1,
      )
      .addOption(databaseUrlOption())
      .addOption(databasePasswordFileOption())
      .option(
        '--no-console',
        'end after the summary (for scripts and CI); by default the node keeps serving the council console after it until Ctrl-C or SIGTERM',
      ),
    {
      dataDir: 'keep the chain and keys here (default: a temporary folder, removed afterwards)',
      json: 'print the summary as JSON on stdout (timeline still goes to stderr)',
    },
  ).action(async (options: DemoOptions) => {
    const database = resolveDatabaseOptions(options);
    const dataDir = options.dataDir === undefined ? undefined : resolveDataDir(options.dataDir);
    const passphrase = dataDir ? await resolvePassphrase('role keys of the demo data dir') : undefined;
    // The node and the fleet load when the demonstration starts, not for --help.
    const { runDemo } = await import('../../demo/runDemo.js');
    let summary: DemoSummary | undefined;
    await runDemo({
      durationSeconds: options.duration,
      devices: options.devices,
      seed: options.seed,
      ...(dataDir ? { dataDir } : {}),
      ...(passphrase ? { passphrase } : {}),
      ...database,
      onProgress: (m) => progress(options, `… ${m}`),
      onTimeline: (e) =>
        progress(
          options,
          `${e.at.toFixed(1).padStart(6)}s  ${LABELS[e.kind]}  ${e.text}${e.transactionHash ? `  tx ${e.transactionHash.slice(0, 12)}…` : ''}`,
        ),
      whileServing: async (done) => {
        summary = done;
        printResult(options, done, () => formatSummary(done));
        if (!options.console) return;
        // The same address `pythia up` prints: the chain, gateway, indexer and console run until interrupted.
        progress(options, `\nThe council console keeps serving: ${done.consoleUrl}\nPress Ctrl-C to stop.`);
        const signal = await untilStopSignal();
        progress(options, `${signal}: stopping...`);
      },
    });
    // Anything unexpected fails the run, a reading that did not end as expected among them.
    if (summary && (summary.unexpected.length > 0 || summary.outcomes.mismatches.length > 0)) process.exitCode = 1;
  });
}

/** Resolves at the first SIGINT or SIGTERM; a second one while stopping is told, not obeyed (the chain is being saved). */
function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      process.on('SIGINT', alreadyStopping).on('SIGTERM', alreadyStopping);
      resolve(signal);
    };
    const alreadyStopping = (signal: NodeJS.Signals) => process.stderr.write(`${signal}: already stopping\n`);
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  });
}

export function formatSummary(s: DemoSummary): string {
  const named = (device: string) => (s.names[device] ? `${s.names[device]} (${device})` : device);
  const reasons = (r: Record<string, number>) =>
    Object.keys(r).length === 0
      ? ''
      : ` (${Object.entries(r)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')})`;
  const lines = [
    '',
    `Summary: ${s.devices} sensors (seed ${s.seed}), ${s.durationSeconds} s, chain ${s.chainId}, fleet contract ${s.fleetAddress}`,
    `  council console                ${s.consoleUrl}`,
    `  readings sent to the gateway   ${s.readings.sentToGateway}`,
    `  acknowledged (stored durably)  ${s.readings.acknowledged}`,
    `  accepted on chain              ${s.readings.accepted}`,
    `  flagged on chain               ${s.readings.flagged}${reasons(s.readings.flaggedByReason)}`,
    `  refused at the gateway         ${s.readings.rejectedAtGateway}${reasons(s.readings.rejectedAtGatewayByReason)}`,
    `  skipped on chain               ${s.readings.skippedOnChain}${reasons(s.readings.skippedOnChainByReason)}`,
    '',
    'Devices suspended:',
    ...(s.devicesSuspended.length
      ? s.devicesSuspended.map((d) => `  ${named(d.device)}  by ${d.by}: ${d.reason}  tx ${d.transactionHash}`)
      : ['  none']),
    'Devices reinstated:',
    ...(s.devicesReinstated.length
      ? s.devicesReinstated.map((d) => `  ${named(d.device)}: ${d.reason}  tx ${d.transactionHash}`)
      : ['  none']),
    'Devices revoked (banned):',
    ...(s.devicesRevoked.length
      ? s.devicesRevoked.map((d) => `  ${named(d.device)}  by ${d.by}: ${d.reason}  tx ${d.transactionHash}`)
      : ['  none']),
    '',
    'Attacks:',
    ...s.attacks.map((a) => `  ${a.observed ? 'stopped ' : 'NOT SEEN'}  ${a.name}: ${a.notes.join('; ') || '-'}`),
  ];
  if (s.dataSharing) {
    const d = s.dataSharing;
    lines.push(
      '',
      'Data under consent:',
      `  consent ${d.consentId}: ${d.streams.join(', ')} of ${named(d.device)} to the lab ${d.recipient} (received: ${d.deliveredStreams.join(', ')})`,
      `  delivered ${d.readingsDelivered} readings; ${d.loggedOnChain ? 'logged on chain' : 'NOT logged on chain'} (data hash ${d.dataHash})`,
      `  after revocation: ${d.refusedAfterRevocation ? `refused (${d.refusedAfterRevocation})` : 'SERVED'}`,
    );
  }
  if (s.accountability) {
    const a = s.accountability;
    const eth = (wei: string) => formatEth(BigInt(wei));
    lines.push(
      '',
      `A trap-street canary leaks, and the firm is caught (consent ${a.consentId} to the firm ${a.recipient}; bond ${eth(a.bondBeforeWei)} → ${eth(a.bondAfterWei)}, penalty ${eth(a.penaltyWei)}):`,
      expectedVsRecordedTable(
        'step',
        a.steps.map((step) => ({ name: step.step, expected: step.expected, recorded: step.recorded })),
      ),
    );
  }
  if (s.pythiaAct) {
    const p = s.pythiaAct;
    lines.push(
      '',
      `A sensor and its Pythia, ${p.steps.length - p.mismatches.length} of ${p.steps.length} steps as expected (${named(p.device)}, answers signed by the Pythia ${p.pythiaKey}; firmware ${p.firmware.sequence}, SHA-256 ${p.firmware.digest}; sold to ${p.newOwner}, consent ${p.consentId} of the weather service ${p.recipient} void):`,
      expectedVsRecordedTable(
        'step',
        p.steps.map((step) => ({ name: step.step, expected: step.expected, recorded: step.recorded })),
      ),
    );
  }
  const o = s.outcomes;
  lines.push(
    '',
    `Expected vs recorded (${o.matched} of ${o.submissions} readings as the simulator's model and the attacks expected):`,
    expectedVsRecordedTable(
      'outcome',
      o.byKind.map((k) => ({ name: k.kind, expected: k.expected, recorded: k.recorded })),
    ),
  );
  if (s.unexpected.length) lines.push('', 'Unexpected:', ...s.unexpected.map((u) => `  ${u}`));
  return lines.join('\n');
}

/** An indented table of what the demo expected beside what the chain recorded, mismatches marked. */
function expectedVsRecordedTable<T extends string | number>(
  nameColumn: string,
  rows: { name: string; expected: T; recorded: T }[],
): string {
  return formatTable(
    rows.map((row) => ({
      [nameColumn]: row.name,
      expected: row.expected,
      recorded: row.recorded,
      '': row.expected === row.recorded ? '' : 'MISMATCH',
    })),
    [nameColumn, 'expected', 'recorded', ''],
  )
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
