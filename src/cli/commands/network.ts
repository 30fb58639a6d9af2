import { join, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { parseEther, type Address } from 'viem';
import { loadOrCreateRoleKeys } from '../../chain/roleKeys.js';
import {
  addNetworkNode,
  checkNewNetworkDir,
  DEFAULT_BASE_PORT,
  DEFAULT_GAS_LIMIT,
  DEFAULT_PERIOD,
  findGeth,
  findNode,
  healNetworkFork,
  watchNetworkForks,
  type HealNetworkForkReturnType,
  initNetwork,
  networkRpcUrls,
  nodeRpcEndpoint,
  proposeSigner,
  readNetworkConfig,
  readNetworkStatus,
  readNodeProcess,
  startNetwork,
  stopNetwork,
  waitForNetworkReady,
  type NetworkStatus,
} from '../../network/index.js';
import {
  collect,
  collectText,
  parseAddress,
  parseAddressArg,
  parseAmount,
  parseChoiceArg,
  parseIntegerArg,
  parseUint64,
} from '../args/index.js';
import { quoteInput } from '../../protocol/quoteInput.js';
import { resolveDataDir } from '../context.js';
import { withCommon } from '../options.js';
import { formatTable, printResult, progress } from '../output.js';
import { resolvePassphrase } from '../passphrase.js';

type DirOptions = { dir: string; json?: boolean };

/** What a --fund without an amount gives: plenty for deploying and relaying on a private chain. */
const DEFAULT_FUNDING_ETHER = '1000000';

/** --fund <address> or <address>=<ether>: an address and an amount in the CLI's grammars. */
export function parseFundArg(value: string): { address: Address; wei: bigint } {
  const [address, ether = DEFAULT_FUNDING_ETHER, ...rest] = value.split('=');
  if (rest.length > 0 || !address)
    throw new InvalidArgumentError(`--fund must be <address> or <address>=<ether>, got ${quoteInput(value)}`);
  return { address: parseAddress('--fund', address), wei: parseAmount('--fund', ether) };
}

const parseGasLimitArg = (value: string): bigint => parseUint64('--gas-limit', value, { min: 5_000_000n });

/** The network folder (not a Pythia data directory), and --json. */
const withNetworkDir = (command: Command, json: string, dirHelp = 'the network folder') =>
  withCommon(command.requiredOption('--dir <dir>', dirHelp), { dataDir: false, json });

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function statusTable(status: NetworkStatus): string {
  const rows = status.nodes.map((n) => ({
    node: n.name,
    role: n.role,
    state: n.running ? `running (${n.pid})` : n.stalePidFile ? 'stopped (stale pid file)' : 'stopped',
    block: n.head?.number ?? '',
    peers: n.peers ?? '',
    seals: !n.running ? '' : n.role === 'observer' ? 'never' : n.sealing ? 'yes' : n.signers ? 'no: not a signer' : '',
    'sealed (recent)': n.sealedRecently === undefined ? '' : `${n.sealedRecently}/${n.recentBlocks}`,
    rpc: n.rpcUrl,
  }));
  const lines = [
    `chain id ${status.chainId}, a block every ${status.period} s${status.head === undefined ? '' : `, head ${status.head}`}`,
    formatTable(rows, ['node', 'role', 'state', 'block', 'peers', 'seals', 'sealed (recent)', 'rpc']),
    '',
    status.signers.length === 0
      ? 'signers: unknown (no node running)'
      : `signers (${status.signers.length}; ${status.signersNeeded} must seal, ${status.signersSealing} sealing here): ${status.signers.join(', ')}`,
  ];
  for (const n of status.nodes) {
    for (const p of n.proposals ?? []) lines.push(`${n.name} votes to ${p.vote} ${p.address}`);
    if (n.error) lines.push(`${n.name}: ${n.error}`);
  }
  const byHeight = new Map<number, Set<string>>();
  for (const n of status.nodes) if (n.head) byHeight.set(n.head.number, (byHeight.get(n.head.number) ?? new Set()).add(n.head.hash));
  for (const [height, hashes] of byHeight) {
    if (hashes.size < 2) continue;
    const who = status.nodes.filter((n) => n.head?.number === height).map((n) => `${n.name} ${n.head!.hash}`);
    lines.push(
      `split at block ${height}: ${who.join(', ')}; if their heads stand still, Clique is deadlocked: pythia network heal --dir ${status.dir}`,
    );
  }
  const votes = status.nodes.find((n) => n.openVotes && n.openVotes.length > 0)?.openVotes ?? [];
  for (const v of votes) lines.push(`on chain: ${v.votes} vote(s) to ${v.vote} ${v.address} (${status.signersNeeded} decide)`);
  return lines.join('\n');
}

export function registerNetworkCommands(program: Command): void {
  const network = program
    .command('network')
    .description('A proof-of-authority network of geth Clique validators, one folder per partner (docs/network.md)');

  withNetworkDir(
    network
      .command('init')
      .description(
        'Create a network folder: genesis, one folder per validator (encrypted signer key) and observer, static peers on loopback',
      )
      .requiredOption('--validators <n>', 'validators (Clique signers), one per partner', parseIntegerArg('validators', 1, 32))
      .option('--observers <m>', 'nodes that sync and never seal', parseIntegerArg('observers', 0, 31), 0)
      .option('--chain-id <id>', 'chain id (default: a random private one)', parseIntegerArg('chain id', 1, 2 ** 53 - 1))
      .option('--period <seconds>', 'seconds between blocks', parseIntegerArg('period', 1, 3600), DEFAULT_PERIOD)
      .option('--gas-limit <gas>', `block gas limit (default ${DEFAULT_GAS_LIMIT})`, parseGasLimitArg)
      .option(
        '--base-port <port>',
        'node k listens on base+10k (p2p), base+10k+1 (HTTP), base+10k+2 (engine API)',
        parseIntegerArg('base port', 1024, 65_000),
        DEFAULT_BASE_PORT,
      )
      .option(
        '--fund <address[=ether]>',
        `fund this account at genesis (repeatable; default ${DEFAULT_FUNDING_ETHER} ether)`,
        collect(parseFundArg),
        [],
      )
      .option(
        '--fund-admin-of <data-dir>',
        'fund the admin key of this Pythia data dir (its role keys are created if missing, with the same passphrase), so `pythia up --rpc-url` can deploy',
      ),
    'print the network as JSON',
    'the network folder to create (must not exist or be empty)',
  ).action(
    async (
      options: DirOptions & {
        validators: number;
        observers: number;
        chainId?: number;
        period: number;
        gasLimit?: bigint;
        basePort: number;
        fund: Array<{ address: Address; wei: bigint }>;
        fundAdminOf?: string;
      },
    ) => {
      // Everything that can be refused is checked before a passphrase is asked or a key is made.
      checkNewNetworkDir(options.dir);
      const geth = findGeth();
      const passphrase = await resolvePassphrase('validator keys');
      const fund: Record<Address, bigint> = {};
      for (const f of options.fund) fund[f.address] = (fund[f.address] ?? 0n) + f.wei;
      if (options.fundAdminOf) {
        const dataDir = resolveDataDir(options.fundAdminOf);
        const roles = await loadOrCreateRoleKeys({ dataDir, passphrase });
        if (roles.created.length > 0)
          progress(options, `created encrypted role keys (${roles.created.join(', ')}) in ${join(dataDir, 'keys')}`);
        fund[roles.admin.address] = (fund[roles.admin.address] ?? 0n) + parseEther(DEFAULT_FUNDING_ETHER);
        progress(options, `funding the admin ${roles.admin.address} of ${dataDir}`);
      }
      const created = await initNetwork({
        dir: options.dir,
        validators: options.validators,
        observers: options.observers,
        ...(options.chainId !== undefined && { chainId: options.chainId }),
        period: options.period,
        ...(options.gasLimit !== undefined && { gasLimit: options.gasLimit }),
        basePort: options.basePort,
        fund,
        passphrase,
        geth,
        onProgress: (m) => progress(options, m),
      });
      const dir = resolve(options.dir);
      printResult(options, { dir, ...created, funded: fund }, () =>
        [
          `network created in ${dir} (chain id ${created.chainId}, a block every ${created.period} s, gas limit ${created.gasLimit})`,
          formatTable(
            created.nodes.map((n) => ({
              node: n.name,
              role: n.role,
              signer: n.address ?? '',
              p2p: n.ports.p2p,
              rpc: nodeRpcEndpoint(dir, n),
            })),
            ['node', 'role', 'signer', 'p2p', 'rpc'],
          ),
          ...Object.entries(fund).map(([a, wei]) => `funded at genesis: ${a} (${wei} wei)`),
          `start it with: pythia network up --dir ${options.dir}`,
        ].join('\n'),
      );
    },
  );

  withNetworkDir(
    network
      .command('add-node')
      .description(
        "Add a node to a network folder: a new partner's validator (then vote it in with `network propose`) or, with --observer, an observer",
      )
      .option('--observer', 'add an observer instead of a validator'),
    'print the new node as JSON',
  ).action(async (options: DirOptions & { observer?: boolean }) => {
    readNetworkConfig(resolve(options.dir)); // a clear error before any passphrase prompt
    const role = options.observer ? 'observer' : 'validator';
    const passphrase = role === 'validator' ? await resolvePassphrase('the new validator key') : undefined;
    const node = await addNetworkNode({ dir: options.dir, role, ...(passphrase !== undefined && { passphrase }) });
    printResult(options, node, () =>
      [
        `added ${node.name} (${node.role}${node.address ? `, signer ${node.address}` : ''}) in ${join(resolve(options.dir), node.dir)}`,
        `start it with: pythia network up --dir ${options.dir} --node ${node.name}`,
        ...(node.address
          ? [
              `it seals once more than half of the signers vote: pythia network propose ${node.address} add --validator <i> --dir ${options.dir}`,
            ]
          : []),
      ].join('\n'),
    );
  });

  withNetworkDir(
    network
      .command('up')
      .description('Start the nodes (each its own detached geth) and wait until the network accepts transactions')
      .option('--node <name>', 'only this node (repeatable; a name or a validator number)', collectText, undefined)
      .option('--timeout <seconds>', 'how long to wait for the network', parseIntegerArg('timeout', 1, 3600), 60),
    'print the result as JSON',
  ).action(async (options: DirOptions & { node?: string[]; timeout: number }) => {
    const dir = resolve(options.dir);
    const config = readNetworkConfig(dir);
    const nodes = options.node ? options.node.map((n) => findNode(config, n)) : config.nodes;
    const needsKey = nodes.some((n) => n.role === 'validator' && readNodeProcess(join(dir, n.dir)).state !== 'running');
    const passphrase = needsKey ? await resolvePassphrase('validator keys') : undefined;
    const started = Date.now();
    const results = await startNetwork({
      dir,
      ...(passphrase !== undefined && { passphrase }),
      nodes: nodes.map((n) => n.name),
      timeoutMs: options.timeout * 1000,
      onProgress: (m) => progress(options, m),
    });
    for (const r of results)
      progress(options, `${r.name}: ${r.alreadyRunning ? 'already running' : 'started'} (pid ${r.pid}, log ${r.logFile})`);
    progress(options, 'waiting for the nodes to connect and agree on a new block');
    const ready = await waitForNetworkReady({ dir, timeoutMs: Math.max(1000, options.timeout * 1000 - (Date.now() - started)) });
    const readyMs = Date.now() - started;
    printResult(
      options,
      { dir, chainId: config.chainId, readyMs, blockNumber: ready.blockNumber, nodes: results, rpcUrls: networkRpcUrls(dir, config) },
      () =>
        [
          `network ready in ${seconds(readyMs)}: ${ready.nodes.length} node(s) at block ${ready.blockNumber} (chain id ${config.chainId})`,
          ...results.map((r) => `  ${r.name.padEnd(12)} ${r.rpcUrl}  pid ${r.pid}`),
          `stop it with: pythia network down --dir ${options.dir}`,
        ].join('\n'),
    );
  });

  withNetworkDir(
    network
      .command('down')
      .description('Stop the nodes (SIGTERM, waiting for each to finish); a stale pid file is recognised and removed')
      .option('--node <name>', 'only this node (repeatable)', collectText, undefined),
    'print the result as JSON',
  ).action(async (options: DirOptions & { node?: string[] }) => {
    const results = await stopNetwork({ dir: options.dir, ...(options.node && { nodes: options.node }) });
    printResult(options, results, () =>
      results
        .map((r) =>
          r.was === 'running'
            ? `${r.name}: stopped (pid ${r.pid}${r.killed ? ', killed after the timeout' : ''})`
            : r.was === 'stale'
              ? `${r.name}: was not running (stale pid file ${r.pid} removed)`
              : `${r.name}: was not running`,
        )
        .join('\n'),
    );
  });

  withNetworkDir(
    network
      .command('status')
      .description("Each node's height, peers, the signer list, whether it seals, and pending votes (read over each node's IPC socket)"),
    'print the status as JSON',
  ).action(async (options: DirOptions) => {
    const status = await readNetworkStatus({ dir: options.dir });
    printResult(options, status, () => statusTable(status));
  });

  withNetworkDir(
    network
      .command('heal')
      .description(
        "Mend Clique's deadlock: validators of a bare majority that each sealed their own block at one height stand still for good; " +
          "when the running validators' heads stand still and disagree, keep one branch (the highest total difficulty, then the lowest " +
          'hash: the same choice on every host) and rewind the others to the block they share with it (debug_setHead), which then seal on it',
      )
      .option(
        '--stalled-for <seconds>',
        'how long the heads must stand still first (default: 5 block periods, at least 5 s)',
        parseIntegerArg('--stalled-for', 1, 3_600),
      )
      .option(
        '--watch',
        'keep watching and heal each deadlock as it happens, until SIGINT or SIGTERM (a heal under way finishes first); ' +
          'each heal prints its result (one JSON line with --json), each reason a look could not heal goes to stderr once',
      ),
    'print what was found and done as JSON',
  ).action(async (options: DirOptions & { stalledFor?: number; watch?: boolean }) => {
    const parameters = {
      dir: options.dir,
      ...(options.stalledFor !== undefined && { stalledForMs: options.stalledFor * 1000 }),
      onProgress: (message: string) => progress(options, message),
    };
    if (options.watch) {
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      progress(options, `watching ${options.dir} for Clique's deadlock; Ctrl-C to stop`);
      try {
        await watchNetworkForks({
          ...parameters,
          // Each look says only what it finds wrong: the watch runs for days.
          onProgress: () => {},
          signal: stop.signal,
          onHealed: (result) =>
            process.stdout.write(`${options.json ? JSON.stringify(result) : `${new Date().toISOString()} ${formatHealResult(result)}`}\n`),
          onRefused: (reason) => process.stderr.write(`${new Date().toISOString()} cannot heal: ${reason}\n`),
        });
      } finally {
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      }
      return;
    }
    const result = await healNetworkFork(parameters);
    printResult(options, result, () => formatHealResult(result));
  });

  withNetworkDir(
    network
      .command('propose')
      .description('One validator votes to add or remove a signer (a partner joins or leaves once more than half of the signers vote)')
      .argument('<address>', 'the signer address', parseAddressArg('<address>'))
      .argument(
        '<vote>',
        'add, remove, or discard (withdraw this validator’s vote)',
        parseChoiceArg('<vote>', ['add', 'remove', 'discard'] as const),
      )
      .requiredOption('--validator <i>', 'the voting validator: its number (2 = validator-2) or name'),
    'print the result as JSON',
  ).action(async (address: Address, vote: 'add' | 'remove' | 'discard', options: DirOptions & { validator: string }) => {
    const result = await proposeSigner({ dir: options.dir, validator: options.validator, address, vote });
    printResult(options, result, () =>
      [
        vote === 'discard' ? `${result.validator} no longer votes on ${address}` : `${result.validator} votes to ${vote} ${address}`,
        `its pending votes: ${result.proposals.length === 0 ? 'none' : result.proposals.map((p) => `${p.vote} ${p.address}`).join(', ')}`,
        'each validator votes on its own; see the tally with: pythia network status',
      ].join('\n'),
    );
  });
}

function formatHealResult(result: HealNetworkForkReturnType): string {
  const heads = result.heads.map((h) => `  ${h.node.padEnd(12)} block ${h.number} ${h.hash} (total difficulty ${h.totalDifficulty})`);
  if (result.outcome === 'moving') return ['the chain is moving: nothing to heal', ...heads].join('\n');
  if (result.outcome === 'agreed')
    return [
      'the validators agree on one head: no fork to heal (if blocks stand still, too few signers seal: pythia network status)',
      ...heads,
    ].join('\n');
  return [
    `healed: kept block ${result.kept.number} ${result.kept.hash}`,
    ...result.rewound.map((r) => `  ${r.node.padEnd(12)} rewound from block ${r.from.number} ${r.from.hash} to ${r.to.number}`),
    `the validators share block ${result.after.number} ${result.after.hash}`,
  ].join('\n');
}
