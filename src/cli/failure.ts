import { CommanderError } from 'commander';
import { type Abi, type AbiParameter, BaseError, HttpRequestError, keccak256, TimeoutError, toBytes } from 'viem';
import { ChainUnreachableError, isIpcEndpoint } from '../chain/chainTransport.js';
import { DeploymentFileError } from '../chain/deployment.js';
import { ContractMissingError } from '../chain/requireContract.js';
import { ContractRefusal } from '../chain/sendContractTransaction.js';
import * as abis from '../contracts/abis.js';
import { enumOfInternalType, type SolidityEnumName, solidityEnums } from '../protocol/solidityEnums.js';
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

/** What each code means and its exit code: docs/cli.md, "Errors and exit codes", is made from this table. */
export const failureCodes: Readonly<Record<FailureCode, { exitCode: number; meaning: string }>> = {
  usage: { exitCode: exitCodes.usage, meaning: 'bad usage: an unknown command or option, a missing or malformed argument or input file' },
  refused: { exitCode: exitCodes.refused, meaning: "the command's own checks refused (an unknown consent, a key that does not open...)" },
  'contract-refused': {
    exitCode: exitCodes.refused,
    meaning: "a contract refused the call: `contractError` names the contract's custom error and its arguments (enum members by name)",
  },
  'contract-missing': {
    exitCode: exitCodes.refused,
    meaning: "the data directory's deployment has no such contract (the message says what to do)",
  },
  failed: { exitCode: exitCodes.refused, meaning: 'something else failed on the way; `PYTHIA_DEBUG=1` prints the stack' },
  'not-set-up': { exitCode: exitCodes.unreachable, meaning: 'Pythia was never started on this data directory (no deployment.json)' },
  'node-unreachable': {
    exitCode: exitCodes.unreachable,
    meaning: "the data directory's chain node does not answer: Pythia is not running",
  },
};

/** The JSON schema of a --json error (what `reportFailure` prints on stdout). */
export const failureJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'exitCode', 'message'],
      properties: {
        code: { type: 'string', enum: Object.keys(failureCodes) },
        exitCode: { type: 'integer', enum: [1, 2, 3] },
        message: { type: 'string', description: 'the sentence printed on stderr after `error: `' },
        contractError: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'args'],
          properties: {
            name: { type: 'string', description: "the contract's custom error" },
            args: { type: 'object', additionalProperties: { type: 'string' }, description: 'its arguments by name, as shown' },
          },
        },
      },
    },
  },
} as const;

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

/** Every custom error of the contracts, by name and number of arguments (where two contracts name the arguments differently, the first one). */
const contractErrors: ReadonlyMap<string, readonly AbiParameter[]> = (() => {
  const found = new Map<string, readonly AbiParameter[]>();
  for (const abi of Object.values(abis) as Abi[])
    for (const item of abi)
      if (item.type === 'error' && !found.has(`${item.name}/${item.inputs.length}`))
        found.set(`${item.name}/${item.inputs.length}`, item.inputs);
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

/** Arguments the contracts declare as a plain uint8 (an interface cannot name another's enum) that hold an enum's number. */
const uint8Enums: Readonly<Record<string, SolidityEnumName>> = {
  'DeviceNotActive.status': 'IPythiaFleetTypes.DeviceStatus',
  'ConsentNotLive.refusal': 'IConsentRegistry.Refusal',
  'InvalidTeeType.teeType': 'IPythiaRegistry.TeeType',
  'InvalidMeasurement.teeType': 'IPythiaRegistry.TeeType',
};

/** One argument of a custom error as a person reads it: enum members by name, roles by name. */
function shownValue(errorName: string, parameter: AbiParameter | undefined, value: unknown): string {
  const enumName = enumOfInternalType(parameter?.internalType) ?? uint8Enums[`${errorName}.${parameter?.name}`];
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
    args[label] = shownValue(refusal.errorName, parameter, value);
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

/** A failure of this code: its exit code comes from the table. */
function failure(code: FailureCode, message: string, extra: Pick<CliFailure, 'contractError'> = {}): CliFailure {
  return { code, exitCode: failureCodes[code].exitCode, message, ...extra };
}

/** What went wrong, as the CLI reports it. */
export function failureOf(error: unknown, context: FailureContext): CliFailure {
  if (error instanceof CommanderError) return failure('usage', error.message.replace(/^error: /, ''));
  if (error instanceof ContractRefusal) {
    const { message, args } = describeContractRefusal(error);
    return failure('contract-refused', message, { contractError: { name: error.errorName, args } });
  }
  if (error instanceof DeploymentFileError && /^no deployment at /.test(error.message))
    return failure(
      'not-set-up',
      `Pythia has not been started on this data directory (${context.dataDir}): start it with \`${upCommand(context)}\`` +
        (context.dataDirGiven ? '' : ', or pass the --data-dir of a running one'),
    );
  const endpoint = unreachableEndpointOf(error);
  if (endpoint !== undefined)
    return failure(
      'node-unreachable',
      isIpcEndpoint(endpoint)
        ? `Pythia is not running on this data directory (${context.dataDir}); start it with \`${upCommand(context)}\``
        : `the chain node at ${endpoint} does not answer (data directory ${context.dataDir}); start it (\`${upCommand(context)}\`, ` +
            'or `pythia network up --dir <network folder>` for a node of a network) and run the command again',
    );
  if (error instanceof ContractMissingError) return failure('contract-missing', error.message);
  if (error instanceof CliError)
    return failure(
      error.exitCode === exitCodes.usage ? 'usage' : error.exitCode === exitCodes.unreachable ? 'node-unreachable' : 'refused',
      error.message,
    );
  if (error instanceof DeploymentFileError) return failure('refused', error.message);
  return failure('failed', firstLine(error));
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
