import { CommanderError } from 'commander';
import { type Abi, type AbiParameter, BaseError, HttpRequestError, keccak256, TimeoutError, toBytes } from 'viem';
import { ChainUnreachableError, isIpcEndpoint } from '../chain/chainTransport.js';
import { DeploymentFileError } from '../chain/deployment.js';
import { ContractMissingError } from '../chain/requireContract.js';
import { ContractRefusal } from '../chain/sendContractTransaction.js';
import * as abis from '../contracts/abis.js';
import { enumOfInternalType, solidityEnums } from '../protocol/solidityEnums.js';
import { DEFAULT_DATA_DIR, resolveDataDir } from './context.js';
import { CliError, jsonReplacer } from './output.js';

/**
 * The one error path of the CLI (docs/cli.md, "Errors and exit codes"): every failure becomes one
 * sentence that says what happened and what to do, an exit code that means the same for every
 * command, and, with --json, a JSON object on stdout with a stable code.
 */
export const exitCodes = {
  /** Done. */
  ok: 0,
  /** Refused: by a contract, by the command's own checks, or it failed on the way. */
  refused: 1,
  /** Bad usage: an unknown command or option, a missing or malformed argument or input file. */
  usage: 2,
  /** The node is not reachable: Pythia is not running (or was never started) on the data directory. */
  unreachable: 3,
} as const;

/** The stable `code` of a --json error. */
export type FailureCode = 'usage' | 'refused' | 'contract-refused' | 'contract-missing' | 'not-set-up' | 'node-unreachable' | 'failed';

export type CliFailure = {
  code: FailureCode;
  exitCode: number;
  message: string;
  /** For `contract-refused`: the contract's custom error and its arguments, named as in the contract. */
  contractError?: { name: string; args: Record<string, string> };
};

/** Where the command ran: the data directory it was given (`--data-dir`, PYTHIA_DATA_DIR or the default). */
export type FailureContext = { dataDir: string; dataDirGiven: boolean };

export function failureContextOf(args: readonly string[]): FailureContext {
  let given: string | undefined;
  args.forEach((arg, i) => {
    if (arg === '--data-dir') given = args[i + 1];
    else if (arg.startsWith('--data-dir=')) given = arg.slice('--data-dir='.length);
  });
  return { dataDir: resolveDataDir(given), dataDirGiven: given !== undefined || process.env.PYTHIA_DATA_DIR !== undefined };
}

/** `pythia up`, with --data-dir when the data directory is not the default one. */
function upCommand(context: FailureContext): string {
  return context.dataDirGiven || context.dataDir !== resolveDataDir(DEFAULT_DATA_DIR)
    ? `pythia up --data-dir ${context.dataDir}`
    : 'pythia up';
}

/** The endpoint a chain request could not reach, if `error` is (or wraps) such a failure. */
export function unreachableEndpointOf(error: unknown): string | undefined {
  if (error instanceof BaseError) {
    const cause = error.walk((e) => e instanceof ChainUnreachableError || e instanceof HttpRequestError || e instanceof TimeoutError);
    if (cause instanceof ChainUnreachableError) return cause.path;
    if (cause instanceof HttpRequestError || cause instanceof TimeoutError) {
      // An HTTP answer with a status is a node that runs (and refused), not a missing one.
      if (cause instanceof HttpRequestError && cause.status !== undefined) return undefined;
      return (cause as { url?: string }).url ?? 'its RPC endpoint';
    }
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return (error as { address?: string }).address ?? 'its RPC endpoint';
  return undefined;
}

/** Every custom error of the contracts, by name (one entry per name and number of arguments). */
const contractErrors: ReadonlyMap<string, readonly AbiParameter[]> = (() => {
  const found = new Map<string, readonly AbiParameter[]>();
  for (const abi of Object.values(abis) as Abi[])
    for (const item of abi) if (item.type === 'error') found.set(`${item.name}/${item.inputs.length}`, item.inputs);
  return found;
})();

/** The AccessControl roles the contracts name (`OPERATOR_ROLE`...), by their bytes32 id. */
const roleNames: ReadonlyMap<string, string> = (() => {
  const found = new Map<string, string>([[`0x${'00'.repeat(32)}`, 'DEFAULT_ADMIN_ROLE']]);
  for (const abi of Object.values(abis) as Abi[])
    for (const item of abi)
      if (item.type === 'function' && /^[A-Z_]+_ROLE$/.test(item.name) && item.inputs.length === 0)
        found.set(keccak256(toBytes(item.name)), item.name);
  return found;
})();

/** `InvalidStatusTransition` → `invalid status transition`. */
export function wordsOf(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase();
}

/** One argument of a custom error as a person reads it: enum members by name, roles by name. */
function shownValue(parameter: AbiParameter | undefined, value: unknown): string {
  const enumName = enumOfInternalType(parameter?.internalType);
  if (enumName !== undefined && (typeof value === 'number' || typeof value === 'bigint')) {
    const member = (solidityEnums[enumName].members as readonly string[])[Number(value)];
    if (member !== undefined) return wordsOf(member);
  }
  if (parameter?.type === 'bytes32' && typeof value === 'string' && roleNames.has(value.toLowerCase()))
    return roleNames.get(value.toLowerCase())!;
  if (typeof value === 'bigint') return value.toString();
  return typeof value === 'string' ? value : JSON.stringify(value, jsonReplacer);
}

/** A contract's refusal in words: its custom error, its arguments by name, and the hint of the command. */
export function describeContractRefusal(refusal: ContractRefusal): { message: string; args: Record<string, string> } {
  const inputs = contractErrors.get(`${refusal.errorName}/${refusal.errorArgs.length}`);
  const args: Record<string, string> = {};
  refusal.errorArgs.forEach((value, i) => {
    const parameter = inputs?.[i];
    const label = (parameter?.name || `argument ${i + 1}`).replace(/_$/, '');
    args[label] = shownValue(parameter, value);
  });
  const shown = Object.entries(args).map(([label, value]) => `${wordsOf(label)} ${value}`);
  const what = refusal.errorName === 'revert' ? 'reverted' : wordsOf(refusal.errorName);
  const message =
    `the contract refused: ${what}${shown.length > 0 ? ` (${shown.join(', ')})` : ''}` +
    `${refusal.hint ? `: ${refusal.hint}` : ''} [${refusal.errorName}]`;
  return { message, args };
}

/** The first line of a library's message, without the request dumps viem appends. */
function firstLine(error: unknown): string {
  const text = error instanceof BaseError ? error.shortMessage : ((error as Error)?.message ?? String(error));
  return text.split('\n')[0]!.trim() || 'unexpected failure';
}

/** What went wrong, as the CLI reports it. */
export function failureOf(error: unknown, context: FailureContext): CliFailure {
  if (error instanceof CommanderError) return { code: 'usage', exitCode: exitCodes.usage, message: error.message.replace(/^error: /, '') };
  if (error instanceof ContractRefusal) {
    const { message, args } = describeContractRefusal(error);
    return { code: 'contract-refused', exitCode: exitCodes.refused, message, contractError: { name: error.errorName, args } };
  }
  if (error instanceof DeploymentFileError && /^no deployment at /.test(error.message))
    return {
      code: 'not-set-up',
      exitCode: exitCodes.unreachable,
      message: `Pythia has not been started on this data directory (${context.dataDir}): start it with \`${upCommand(context)}\`${context.dataDirGiven ? '' : ', or pass the --data-dir of a running one'}`,
    };
  const endpoint = unreachableEndpointOf(error);
  if (endpoint !== undefined)
    return {
      code: 'node-unreachable',
      exitCode: exitCodes.unreachable,
      message: isIpcEndpoint(endpoint)
        ? `Pythia is not running on this data directory (${context.dataDir}); start it with \`${upCommand(context)}\``
        : `the chain node at ${endpoint} does not answer (data directory ${context.dataDir}); start it (\`${upCommand(context)}\`, ` +
          'or `pythia network start` for a network node) and run the command again',
    };
  if (error instanceof ContractMissingError) return { code: 'contract-missing', exitCode: exitCodes.refused, message: error.message };
  if (error instanceof CliError) {
    const code: FailureCode =
      error.exitCode === exitCodes.usage ? 'usage' : error.exitCode === exitCodes.unreachable ? 'node-unreachable' : 'refused';
    return { code, exitCode: error.exitCode, message: error.message };
  }
  if (error instanceof DeploymentFileError) return { code: 'refused', exitCode: exitCodes.refused, message: error.message };
  return { code: 'failed', exitCode: exitCodes.refused, message: firstLine(error) };
}

/**
 * Reports a failed command: `error: <sentence>` on stderr, and with --json the same as
 * `{ "error": { code, exitCode, message, contractError? } }` on stdout. Returns the exit code.
 * commander has printed its own usage errors already; they get the JSON line alone.
 */
export function reportFailure(error: unknown, args: readonly string[]): number {
  if (error instanceof CommanderError && ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code))
    return exitCodes.ok;
  const failure = failureOf(error, failureContextOf(args));
  if (!(error instanceof CommanderError)) process.stderr.write(`error: ${failure.message}\n`);
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify({ error: failure }, null, 2)}\n`);
  if (process.env.PYTHIA_DEBUG && !(error instanceof CommanderError)) process.stderr.write(`${(error as Error)?.stack}\n`);
  return failure.exitCode;
}
