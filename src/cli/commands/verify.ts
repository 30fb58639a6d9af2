import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createPublicClient, type Address } from 'viem';
import { chainTransport } from '../../chain/chainTransport.js';
import { DeploymentFileError, deploymentPath, parseDeployment, readDeployment, type Deployment } from '../../chain/deployment.js';
import { CannotVerifyError } from '../../verify/errors.js';
import type { Discrepancy } from '../../verify/types.js';
import { verifyChain, type VerifyChainReturnType, type VerifyProgress } from '../../verify/verifyChain.js';
import { parseAddressArg, parseChainEndpointArg, parseIntegerArg, parseUint64Arg } from '../args/index.js';
import { resolveDataDir } from '../context.js';
import { type CommonOptions, withCommon } from '../options.js';
import { CliError, jsonReplacer, progress, UsageError } from '../output.js';

/** Exit code when the verifier could not do its work (node unreachable or not an archive node, no fleet there). */
export const EXIT_CANNOT_VERIFY = 3;
/** Exit code when at least one discrepancy was found. */
export const EXIT_DISCREPANCY = 1;
/** Version of the --json report's shape (docs/verify.md). */
export const VERIFY_REPORT_VERSION = 1;

type VerifyOptions = CommonOptions & {
  rpc?: string;
  fleet?: Address;
  deployment?: string;
  from?: bigint;
  to?: bigint;
  follow?: boolean;
  confirmations: number;
  concurrency: number;
  quiet?: boolean;
};

/** A block number: a uint64 in decimal. */
const parseBlockArg = (name: string) => parseUint64Arg(name);

export function registerVerifyCommand(program: Command): void {
  withCommon(
    program
      .command('verify')
      .description(
        "Check every reading on chain against the devices' keys and profiles on your own node, trusting neither the gateway nor the contract's verdicts (docs/verify.md)",
      )
      .option(
        '--rpc <url>',
        "your node (an archive node, e.g. an observer): a JSON-RPC URL or its IPC socket's path; default: deployment.json's rpcUrl",
        parseChainEndpointArg('--rpc'),
      )
      .option('--fleet <address>', "the fleet contract; default: deployment.json's contracts.fleet", parseAddressArg('--fleet'))
      .option(
        '--deployment <file>',
        'deployment.json to read the fleet, chain id and first block from (default: <data-dir>/deployment.json)',
      )
      .option(
        '--from <block>',
        "first block to verify (default: the fleet's deployment block); the state comes from the block before",
        parseBlockArg('--from'),
      )
      .option('--to <block>', 'last block to verify (default: the head, less --confirmations)', parseBlockArg('--to'))
      .option('--follow', 'after the last block, go on verifying new blocks until interrupted (Ctrl-C prints the report)')
      .option('--confirmations <n>', 'blocks to stay behind the head (finality depth)', parseIntegerArg('confirmations', 0, 10_000), 0)
      .option('--concurrency <n>', 'blocks verified at once', parseIntegerArg('concurrency', 1, 64), 4)
      .option('--quiet', 'no progress on stderr')
      .addHelpText(
        'after',
        '\nExit codes: 0 everything agrees, 1 a discrepancy was found, 2 bad arguments, 3 could not verify (node, archive state, no fleet).',
      ),
    { json: 'print the report as JSON on stdout (schema in docs/verify.md)' },
  ).action(async (options: VerifyOptions) => {
    if (options.follow && options.to !== undefined) throw new UsageError('--follow and --to exclude each other');
    if (options.from !== undefined && options.to !== undefined && options.from > options.to)
      throw new UsageError(`--from ${options.from} is after --to ${options.to}`);
    const deployment = loadDeployment(options);
    const fleet = options.fleet ?? deployment?.contracts.fleet;
    const rpcUrl = options.rpc ?? deployment?.rpcUrl;
    if (!fleet || !rpcUrl) throw new UsageError('give --fleet <address> and --rpc <url>, or a deployment (--deployment / --data-dir)');
    if (!options.rpc) progress(options, `verifying against ${rpcUrl}, the node named in deployment.json (give --rpc for your own node)`);
    const client = createPublicClient({
      transport: chainTransport(rpcUrl, { batch: { batchSize: 200, wait: 0 }, retryCount: 3, timeout: 60_000 }),
    });
    const sameFleet = deployment !== undefined && fleet.toLowerCase() === deployment.contracts.fleet.toLowerCase();
    if (sameFleet) {
      const chainId = await client.getChainId().catch(() => undefined);
      if (chainId !== undefined && chainId !== deployment.chainId)
        throw new CliError(
          `the node at ${rpcUrl} serves chain ${chainId}, the deployment is on chain ${deployment.chainId}`,
          EXIT_CANNOT_VERIFY,
        );
    }

    const controller = new AbortController();
    const interrupt = () => {
      if (controller.signal.aborted) process.exit(130);
      progress(options, 'interrupted: finishing the blocks in hand (Ctrl-C again to quit at once)');
      controller.abort();
    };
    process.on('SIGINT', interrupt);
    process.on('SIGTERM', interrupt);
    let lastProgress = 0;
    let report: VerifyChainReturnType;
    try {
      report = await verifyChain({
        client,
        fleet,
        fromBlock: options.from ?? (sameFleet ? BigInt(deployment.deploymentBlock) : undefined),
        toBlock: options.to,
        follow: options.follow,
        confirmations: options.confirmations,
        concurrency: options.concurrency,
        signal: controller.signal,
        onProgress: (p) => {
          if (performance.now() - lastProgress < 1000 && p.verifiedTo < p.toBlock) return;
          lastProgress = performance.now();
          progress(options, formatProgress(p));
        },
        onDiscrepancy: (d) => {
          if (options.json) progress(options, `DISCREPANCY ${formatDiscrepancy(d)}`);
          else process.stdout.write(`DISCREPANCY ${formatDiscrepancy(d)}\n`);
        },
      });
    } catch (error) {
      if (error instanceof CannotVerifyError) throw new CliError(error.message, EXIT_CANNOT_VERIFY);
      throw error;
    } finally {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
    }
    if (options.json) process.stdout.write(`${JSON.stringify({ version: VERIFY_REPORT_VERSION, ...report }, jsonReplacer, 2)}\n`);
    else process.stdout.write(`${formatReport(report)}\n`);
    if (!report.agreed) process.exitCode = EXIT_DISCREPANCY;
  });
}

function loadDeployment(options: VerifyOptions): Deployment | undefined {
  try {
    if (options.deployment) {
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(options.deployment, 'utf8'));
      } catch (error) {
        throw new UsageError(`cannot read ${options.deployment}: ${(error as Error).message}`);
      }
      return parseDeployment(raw, options.deployment);
    }
    const dir = resolveDataDir(options.dataDir);
    if (!existsSync(deploymentPath(dir)) && options.fleet && options.rpc) return undefined;
    return readDeployment(dir);
  } catch (error) {
    if (error instanceof DeploymentFileError) throw new UsageError(`${error.message} (or give --fleet <address> and --rpc <url>)`);
    throw error;
  }
}

const rate = (n: number, seconds: number) => (seconds > 0 ? Math.round(n / seconds).toLocaleString('en') : '–');

export function formatProgress(p: VerifyProgress): string {
  const blocks = Number(p.verifiedTo - p.fromBlock + 1n);
  return `verified blocks ${p.fromBlock}–${p.verifiedTo} of ${p.toBlock} (${rate(blocks, p.elapsedSeconds)} blocks/s), ${p.counts.readings.checked.toLocaleString('en')} readings (${rate(
    p.counts.readings.checked,
    p.elapsedSeconds,
  )}/s), ${p.counts.discrepancies} discrepancies`;
}

export function formatDiscrepancy(d: Discrepancy): string {
  const where = [`block ${d.blockNumber}`, d.transactionHash && `tx ${d.transactionHash}`].filter(Boolean).join(' ');
  return `[${d.kind}] ${where}: ${d.message}`;
}

export function formatReport(r: VerifyChainReturnType): string {
  const c = r.counts;
  const list = (record: Record<string, number | undefined>) => {
    const entries = Object.entries(record).filter(([, n]) => n);
    return entries.length ? ` (${entries.map(([k, n]) => `${k} ${n}`).join(', ')})` : '';
  };
  return [
    `Verified blocks ${r.fromBlock}–${r.toBlock} of chain ${r.chainId}, fleet ${r.fleet}, in ${r.elapsedSeconds.toFixed(1)} s${r.complete ? '' : ' (interrupted)'}`,
    `  batches              ${c.transactions.batches} (${c.transactions.revertedBatches} reverted)`,
    `  other fleet calls    ${c.transactions.otherFleetCalls}; other transactions ${c.transactions.other}`,
    `  readings checked     ${c.readings.checked}`,
    `    accepted           ${c.readings.accepted}`,
    `    flagged            ${c.readings.flagged}${list(c.readings.flaggedByReason)}`,
    `    skipped            ${c.readings.skipped}${list(c.readings.skippedByReason)}`,
    `  automatic responses  suspended ${c.responses.suspended}, revoked ${c.responses.revoked}`,
    ...r.revertedBatches.map((b) => `  reverted batch       block ${b.blockNumber} tx ${b.transactionHash}: ${b.why} (${b.detail})`),
    r.agreed
      ? `AGREED: all ${c.readings.checked} readings' outcomes, the automatic responses and the device states agree with the chain`
      : `DISCREPANCIES: ${c.discrepancies} (listed above${r.discrepanciesOmitted ? `; ${r.discrepanciesOmitted} not kept in the report` : ''})`,
  ].join('\n');
}
