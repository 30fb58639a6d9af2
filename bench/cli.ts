/**
 * `npm run bench -- cli`: how fast the `pythia` command answers (issue #13), beside the start time
 * of a bare `node -e 0` measured in the same run (the floor no command can go under).
 *
 *   help         `pythia --help` (loads no command module)
 *   subcommand help  `pythia device show --help` and `pythia up --help` (load one command module, not
 *                its action's libraries: no gateway, database or broker)
 *   show         `pythia device show <id>` against a running node (a read-only command), and the
 *                chain's answer alone (the reads it makes, timed in this process on a warm client):
 *                the target is help (any command's) < 0.5 s and show < 1 s plus the chain's answer.
 *
 * Each figure is the median of BENCH_CLI_RUNS runs (default 7), each in its own process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Address } from 'viem';
import { createChainClients } from '../src/chain/clients.js';
import { readDeviceView } from '../src/chain/readDevice.js';
import { LIGHT_SCRYPT } from '../src/keystore/index.js';
import { airQualityProfile } from '../src/protocol/airQuality.js';
import { generateDeviceKey } from '../src/sdk/index.js';
import { startStack } from '../src/stack/startStack.js';
import { pythiaBin } from '../src/testing/pythiaBin.js';

const PASSPHRASE = 'bench cli passphrase, not a secret';

export type CliFigures = {
  runs: number;
  nodeStartMs: number;
  helpMs: number;
  deviceShowHelpMs: number;
  upHelpMs: number;
  versionMs: number;
  showMs: number;
  chainAnswerMs: number;
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Wall time of one process, from spawn to exit (ms); fails unless it exits 0. */
function timed(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  const elapsed = performance.now() - started;
  if (run.status !== 0) throw new Error(`${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return elapsed;
}

export async function measureCli(runs: number): Promise<CliFigures> {
  const bin = pythiaBin();
  const dir = mkdtempSync(join(tmpdir(), 'pythia-bench-cli-'));
  const dataDir = join(dir, 'node');
  const env = { ...process.env, PYTHIA_PASSPHRASE: PASSPHRASE };
  const stack = await startStack({ dataDir, passphrase: PASSPHRASE, chain: 'anvil', gatewayPort: 0, scryptN: LIGHT_SCRYPT.n });
  try {
    const profile = join(dir, 'profile.json');
    writeFileSync(profile, JSON.stringify(airQualityProfile));
    timed([bin, 'profile', 'set', '--class', '1', '--file', profile, '--data-dir', dataDir], env);
    const key = generateDeviceKey();
    timed([bin, 'device', 'register', key.publicKey, '--class', '1', '--data-dir', dataDir], env);
    const device = key.deviceId as Address;

    const clients = createChainClients(stack.deployment);
    const context = { ...clients, deployment: stack.deployment };
    await readDeviceView(context, device); // warm: the command's process starts cold, the chain does not
    const figures = {
      nodeStart: [] as number[],
      help: [] as number[],
      deviceShowHelp: [] as number[],
      upHelp: [] as number[],
      version: [] as number[],
      show: [] as number[],
      chain: [] as number[],
    };
    for (let i = 0; i < runs; i++) {
      figures.nodeStart.push(timed(['-e', '0']));
      figures.help.push(timed([bin, '--help']));
      figures.deviceShowHelp.push(timed([bin, 'device', 'show', '--help']));
      figures.upHelp.push(timed([bin, 'up', '--help']));
      figures.version.push(timed([bin, '--version']));
      figures.show.push(timed([bin, 'device', 'show', device, '--data-dir', dataDir], env));
      const started = performance.now();
      await readDeviceView(context, device);
      figures.chain.push(performance.now() - started);
    }
    return {
      runs,
      nodeStartMs: median(figures.nodeStart),
      helpMs: median(figures.help),
      deviceShowHelpMs: median(figures.deviceShowHelp),
      upHelpMs: median(figures.upHelp),
      versionMs: median(figures.version),
      showMs: median(figures.show),
      chainAnswerMs: median(figures.chain),
    };
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatCliFigures(f: CliFigures): string[] {
  const ms = (v: number) => `${Math.round(v)} ms`;
  const ratio = (v: number) => `${(v / f.nodeStartMs).toFixed(1)}× node -e 0`;
  const showBudget = 1000 + f.chainAnswerMs;
  const met = (v: number) => (v < 500 ? 'met' : 'NOT met');
  return [
    `cli: start times, median of ${f.runs} runs each (own process, wall time)`,
    `  baseline node -e 0:        ${ms(f.nodeStartMs)}`,
    `  pythia --help:             ${ms(f.helpMs)} (${ratio(f.helpMs)}; target < 500 ms: ${met(f.helpMs)})`,
    `  pythia device show --help: ${ms(f.deviceShowHelpMs)} (${ratio(f.deviceShowHelpMs)}; target < 500 ms: ${met(f.deviceShowHelpMs)})`,
    `  pythia up --help:          ${ms(f.upHelpMs)} (${ratio(f.upHelpMs)}; target < 500 ms: ${met(f.upHelpMs)})`,
    `  pythia --version:          ${ms(f.versionMs)} (${ratio(f.versionMs)})`,
    `  pythia device show <id>:   ${ms(f.showMs)} (${ratio(f.showMs)}); the chain's answer alone ${ms(f.chainAnswerMs)}` +
      ` (target < 1 s + the chain's answer = ${ms(showBudget)}: ${f.showMs < showBudget ? 'met' : 'NOT met'})`,
  ];
}
