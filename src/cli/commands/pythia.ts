import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Address, Hex, LocalAccount } from 'viem';
import {
  AttestationError,
  intelSgxRootCaDer,
  reportDataBindsKey,
  tcbStatuses,
  verifyQuote,
  type TcbStatus,
} from '../../attestation/index.js';
import {
  MEASUREMENT_BYTES,
  approveMeasurement,
  evidenceHashOf,
  readPythia,
  registerPythiaKey,
  bindRelayer,
  rotatePythiaKey,
  revokeMeasurement,
  revokePythiaKey,
  type PythiaEvidence,
  type PythiaSummary,
} from '../../chain/pythiaRegistry.js';
import { pythiaRegistryAbi } from '../../contracts/abis.js';
import { decryptKeystore, readKeystoreFile } from '../../keystore/index.js';
import { deviceIdFromPublicKey } from '../../protocol/deviceId.js';
import { deviceKeyFromPrivateKey } from '../../sdk/deviceKeyFromPrivateKey.js';
import { requireContract } from '../../chain/requireContract.js';
import {
  formatTime,
  parseAddressArg,
  parseChoice,
  parseChoiceArg,
  parseHexBytesArg,
  parsePublicKeyArg,
  parseTextArg,
  parseTimeArg,
} from '../args/index.js';
import { loadContext, loadRoleAccount, type CommandContext } from '../context.js';
import { type ConfirmOptions, confirmIrreversible, YES_OPTION } from '../confirm.js';
import { type CommonOptions, withCommon } from '../options.js';
import { CliError, UsageError, printResult, progress } from '../output.js';
import { resolvePassphrase } from '../passphrase.js';
import { loadSignerAccount, sendAs } from '../signer.js';

type AttestedTee = 'sgx' | 'tdx';

const DEFAULT_ACCEPTED_TCB: TcbStatus[] = ['UpToDate', 'SWHardeningNeeded'];
const parseTeeArg = parseChoiceArg('<tee>', ['sgx', 'tdx'] as const);
const parseMeasurementArg = parseHexBytesArg('<measurement>');
const parseKeyArg = parseAddressArg('<address>');
const parseReasonArg = parseTextArg('--reason', 256);

/** Comma-separated TCB statuses, each one Intel defines. */
const parseTcbListArg = (value: string): TcbStatus[] => value.split(',').map((status) => parseChoice('--accept-tcb', status, tcbStatuses));

function requireMeasurementLength(tee: AttestedTee, measurement: Hex): void {
  const bytes = (measurement.length - 2) / 2;
  if (bytes !== MEASUREMENT_BYTES[tee]) {
    throw new UsageError(
      `a ${tee.toUpperCase()} measurement is ${MEASUREMENT_BYTES[tee]} bytes (${tee === 'sgx' ? 'MRENCLAVE' : 'MRTD'}), got ${bytes}`,
    );
  }
}

function readInput(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

type RegisterOptions = CommonOptions & {
  keyFile?: string;
  publicKey?: Hex;
  quote?: string;
  collateral?: string;
  at?: bigint;
  nonce?: Hex;
  rootCa?: string;
  acceptTcb: TcbStatus[];
  evidenceUri?: string;
  unattested?: boolean;
};

/**
 * Checks the evidence for a key off chain, as the registry cannot: the quote verifies against its
 * collateral and Intel's root, its report data binds this very key, and its TCB status is acceptable.
 */
export function verifyEvidenceForKey(publicKey: Hex, options: RegisterOptions): PythiaEvidence & { tcbStatus: TcbStatus } {
  const now = options.at === undefined ? new Date() : new Date(Number(options.at) * 1000);
  const quote = readInput(options.quote!, 'quote');
  const collateralBytes = readInput(options.collateral!, 'collateral');
  let collateral: unknown;
  try {
    collateral = JSON.parse(Buffer.from(collateralBytes).toString('utf8'));
  } catch {
    throw new UsageError(`collateral ${options.collateral} is not JSON`);
  }
  const rootCaDer = options.rootCa === undefined ? intelSgxRootCaDer() : readInput(options.rootCa, 'root CA');
  let verified: ReturnType<typeof verifyQuote>;
  try {
    verified = verifyQuote({ quote, collateral, rootCaDer, now });
  } catch (error) {
    if (error instanceof AttestationError) throw new CliError(`attestation refused (${error.code}): ${error.message}`);
    throw error;
  }
  if (!reportDataBindsKey({ reportData: verified.reportData, publicKey, ...(options.nonce ? { nonce: options.nonce } : {}) })) {
    throw new CliError(
      `attestation refused: the quote's report data does not bind key ${deviceIdFromPublicKey(publicKey)} ` +
        `(expected SHA-256("pythia-attestation-v1" ‖ X ‖ Y) ‖ ${options.nonce ? 'the --nonce' : '32 zero bytes'}, ` +
        `the quote carries ${verified.reportData})`,
    );
  }
  if (!options.acceptTcb.includes(verified.tcbStatus)) {
    throw new CliError(
      `attestation refused: TCB status ${verified.tcbStatus} is not accepted (accepted: ${options.acceptTcb.join(', ')}; see --accept-tcb)`,
    );
  }
  return {
    teeType: verified.teeType === 'SGX' ? 'sgx' : 'tdx',
    measurement: verified.measurement,
    evidenceHash: evidenceHashOf(quote, collateralBytes),
    evidenceUri: options.evidenceUri ?? '',
    tcbStatus: verified.tcbStatus,
  };
}

async function publicKeyOfOptions(options: RegisterOptions): Promise<Hex> {
  if (options.publicKey) return options.publicKey;
  const passphrase = await resolvePassphrase('Pythia key', 'personal');
  try {
    const { privateKey } = await decryptKeystore(await readKeystoreFile(options.keyFile!), passphrase);
    return deviceKeyFromPrivateKey(privateKey).publicKey;
  } catch (error) {
    throw new CliError(`cannot open the Pythia key ${options.keyFile}: ${(error as Error).message}`);
  }
}

/** The governance signer: the admin role key, or another key holding GOVERNANCE_ROLE (--signer-key). */
function governanceAccount(context: CommandContext, signerKey: string | undefined): Promise<LocalAccount> {
  return loadSignerAccount(context, { signerKey, role: 'admin', purpose: 'governance' });
}

function formatPythia(p: PythiaSummary): string {
  const rows: [string, string][] = [
    ['key', p.key],
    ['status', p.status],
    ['attested', p.attested ? `yes (${p.teeType.toUpperCase()})` : 'no (unattested)'],
    ['trusted', p.trusted ? (p.trustedAttested ? 'yes' : 'yes, unless devices require attestation') : 'no'],
    ['measurement', p.measurement ? `${p.measurement} (${p.measurementStatus})` : '-'],
    ['evidenceHash', p.evidenceHash ?? '-'],
    ['evidenceUri', p.evidenceUri || '-'],
    ['publicKey', p.publicKey ?? '-'],
    ['registrar', p.registrar ?? '-'],
    ['registeredAt', formatTime(p.registeredAt)],
    ['revokedAt', formatTime(p.revokedAt)],
    ['successor', p.successor ?? '-'],
    ['relayer', p.relayer ?? '-'],
  ];
  return rows.map(([k, v]) => `${k.padEnd(14)} ${v}`).join('\n');
}

type PreparedRegistration = Awaited<ReturnType<typeof prepareRegistration>>;

/** Checks the options of register/rotate, verifies the evidence (and that its measurement is approved), loads the operator. */
async function prepareRegistration(options: RegisterOptions) {
  if (!options.keyFile === !options.publicKey) throw new UsageError('give exactly one of --key-file or --public-key');
  const hasEvidence = options.quote !== undefined || options.collateral !== undefined;
  if (hasEvidence && (!options.quote || !options.collateral)) throw new UsageError('--quote and --collateral go together');
  if (hasEvidence && options.unattested) throw new UsageError('--unattested contradicts --quote/--collateral');
  if (!hasEvidence && !options.unattested) {
    throw new UsageError('give attestation evidence (--quote and --collateral) or say explicitly --unattested');
  }
  if (!hasEvidence && (options.at || options.nonce || options.evidenceUri)) {
    throw new UsageError('--at, --nonce and --evidence-uri need --quote and --collateral');
  }
  if (options.evidenceUri !== undefined && Buffer.byteLength(options.evidenceUri) > 512)
    throw new UsageError('--evidence-uri is longer than 512 bytes');

  const publicKey = await publicKeyOfOptions(options);
  const key = deviceIdFromPublicKey(publicKey);
  let evidence: (PythiaEvidence & { tcbStatus: TcbStatus }) | undefined;
  if (hasEvidence) {
    progress(options, `verifying the attestation evidence for ${key}...`);
    evidence = verifyEvidenceForKey(publicKey, options);
  }
  const context = loadContext(options);
  const registry = requireContract(context.deployment, 'pythiaRegistry');
  if (evidence) {
    const approved = await context.publicClient.readContract({
      address: registry,
      abi: pythiaRegistryAbi,
      functionName: 'isMeasurementApproved',
      args: [evidence.teeType === 'sgx' ? 1 : 2, evidence.measurement],
    });
    if (!approved) {
      throw new CliError(
        `the ${evidence.teeType.toUpperCase()} measurement ${evidence.measurement} is not approved: ` +
          `governance approves it with \`pythia pythia approve-measurement ${evidence.teeType} ${evidence.measurement}\``,
      );
    }
  }
  const account = await loadRoleAccount(context, 'operator');
  return { key, evidence, context, write: { clients: context, account, address: registry, publicKey, ...(evidence ? { evidence } : {}) } };
}

function printRegistration(
  options: RegisterOptions,
  { key, evidence }: PreparedRegistration,
  hash: Hex,
  blockNumber: bigint,
  verb: string,
  extra: Record<string, unknown> = {},
): void {
  printResult(
    options,
    {
      ...extra,
      key,
      attested: evidence !== undefined,
      ...(evidence
        ? {
            teeType: evidence.teeType,
            measurement: evidence.measurement,
            tcbStatus: evidence.tcbStatus,
            evidenceHash: evidence.evidenceHash,
            evidenceUri: evidence.evidenceUri,
          }
        : {}),
      transactionHash: hash,
      blockNumber,
    },
    () => `${verb} ${evidence ? `attested (${evidence.teeType.toUpperCase()})` : 'unattested'} Pythia key ${key} in ${hash}`,
  );
}

export function registerPythiaCommands(program: Command): void {
  const pythia = program
    .command('pythia')
    .description('The Pythia registry: attested gateway keys devices may trust, and the approved code measurements');

  const keyAndEvidenceOptions = (command: Command) =>
    withCommon(command)
      .option('--key-file <keystore>', 'the Pythia key (keystore v3; passphrase from PYTHIA_KEY_PASSPHRASE)')
      .option('--public-key <hex>', 'the Pythia public key: 64 bytes X ‖ Y or 65 bytes 04 ‖ X ‖ Y', parsePublicKeyArg('--public-key'))
      .option('--quote <file>', 'raw DCAP quote (SGX v3 or TDX v4) whose report data binds the key')
      .option('--collateral <file>', 'collateral JSON for the quote (Intel PCS / PCCS)')
      .option('--at <time>', 'judge the evidence at this time instead of now (ISO time, Unix seconds, -30d)', parseTimeArg('--at'))
      .option(
        '--nonce <hex>',
        'the 32-byte nonce the quote was asked for (second half of its report data)',
        parseHexBytesArg('--nonce', { bytes: 32 }),
      )
      .option('--root-ca <der>', 'Intel SGX Root CA, DER (must match the pinned fingerprint; default: the built-in copy)')
      .option('--accept-tcb <statuses>', 'comma-separated TCB statuses to accept', parseTcbListArg, DEFAULT_ACCEPTED_TCB)
      .option('--evidence-uri <uri>', 'where the quote and collateral are published (recorded on chain with their hash)')
      .option('--unattested', 'without TEE evidence: flagged attested=false, refused by devices that require attestation');

  keyAndEvidenceOptions(
    pythia
      .command('register')
      .description(
        'Register a Pythia key (operator). With --quote/--collateral the DCAP quote is verified and must bind the key; ' +
          'without evidence, --unattested registers the key flagged attested=false',
      ),
  ).action(async (options: RegisterOptions) => {
    const prepared = await prepareRegistration(options);
    progress(options, `registering ${prepared.evidence ? 'attested' : 'unattested'} Pythia key ${prepared.key}...`);
    const { hash, blockNumber } = await sendAs(prepared.context, prepared.write.account, 'pythia register', () =>
      registerPythiaKey(prepared.write),
    );
    printRegistration(options, prepared, hash, blockNumber, 'registered');
  });

  keyAndEvidenceOptions(
    pythia
      .command('rotate')
      .description(
        'Replace a Pythia key by a new one in one transaction (operator): the previous key is revoked as "rotated" and names ' +
          'its successor; the new key is registered with its own evidence (or --unattested)',
      )
      .argument('<previous>', 'the Pythia key being replaced (address)', parseAddressArg('<previous>'))
      .option(...YES_OPTION),
  ).action(async (previousKey: Address, options: RegisterOptions & ConfirmOptions) => {
    await confirmIrreversible(options, 'pythia rotate', `rotating Pythia key ${previousKey}`);
    const prepared = await prepareRegistration(options);
    if (prepared.key.toLowerCase() === previousKey.toLowerCase()) throw new UsageError('the new key is the previous key');
    const previous = await readPythia({ publicClient: prepared.context.publicClient, registry: prepared.write.address }, previousKey);
    if (previous.status !== 'active') throw new CliError(`${previousKey} is not an active Pythia key (${previous.status})`);
    progress(options, `rotating ${previousKey} to ${prepared.evidence ? 'attested' : 'unattested'} key ${prepared.key}...`);
    const { hash, blockNumber } = await sendAs(prepared.context, prepared.write.account, 'pythia rotate', () =>
      rotatePythiaKey({ ...prepared.write, previousKey }),
    );
    printRegistration(options, prepared, hash, blockNumber, `rotated ${previousKey} to`, { previousKey });
  });

  withCommon(
    pythia
      .command('show')
      .description('A Pythia key: status, attestation, evidence, and whether devices trust it now')
      .argument('<address>', 'the Pythia key (address)', parseKeyArg),
  ).action(async (address: Address, options: CommonOptions) => {
    const context = loadContext(options);
    const summary = await readPythia(
      { publicClient: context.publicClient, registry: requireContract(context.deployment, 'pythiaRegistry') },
      address,
    );
    if (summary.status === 'none') throw new CliError(`unknown Pythia key ${address}`);
    printResult(options, summary, () => formatPythia(summary));
  });

  withCommon(
    pythia
      .command('revoke')
      .description('Revoke a Pythia key for good (operator): devices stop trusting it at once')
      .argument('<address>', 'the Pythia key (address)', parseKeyArg)
      .requiredOption('--reason <text>', 'why (recorded on chain)', parseReasonArg)
      .option(...YES_OPTION),
  ).action(async (address: Address, options: CommonOptions & ConfirmOptions & { reason: string }) => {
    await confirmIrreversible(options, 'pythia revoke', `revoking Pythia key ${address}`);
    const context = loadContext(options);
    const registry = requireContract(context.deployment, 'pythiaRegistry');
    const account = await loadRoleAccount(context, 'operator');
    const { hash, blockNumber } = await sendAs(context, account, 'pythia revoke', () =>
      revokePythiaKey({ clients: context, account, address: registry, key: address, reason: options.reason }),
    );
    const summary = await readPythia({ publicClient: context.publicClient, registry }, address);
    printResult(
      options,
      { key: address, status: summary.status, transactionHash: hash, blockNumber },
      () => `${address} is now ${summary.status} (transaction ${hash})`,
    );
  });

  withCommon(
    pythia
      .command('bind-relayer')
      .description(
        "Bind the account that sends a Pythia's transactions to its key (operator): the fleet, the access log and the canary " +
          "registry accept that relayer only while the key is trusted; the key's earlier relayer is unbound",
      )
      .argument('<address>', 'the Pythia key (address)', parseKeyArg)
      .argument('<relayer>', 'the relayer account', parseAddressArg('<relayer>')),
  ).action(async (address: Address, relayer: Address, options: CommonOptions) => {
    const context = loadContext(options);
    const registry = requireContract(context.deployment, 'pythiaRegistry');
    const account = await loadRoleAccount(context, 'operator');
    const { hash, blockNumber } = await sendAs(context, account, 'pythia bind-relayer', () =>
      bindRelayer({ clients: context, account, address: registry, key: address, relayer }),
    );
    printResult(
      options,
      { key: address, relayer, transactionHash: hash, blockNumber },
      () => `${relayer} now relays for ${address} (transaction ${hash})`,
    );
  });

  withCommon(
    pythia
      .command('approve-measurement')
      .description('Approve a code measurement (governance = the admin key): keys attested with it become trusted')
      .argument('<tee>', 'sgx or tdx', parseTeeArg)
      .argument('<measurement>', 'MRENCLAVE (sgx, 32 bytes) or MRTD (tdx, 48 bytes), hex', parseMeasurementArg),
    { signer: 'sign with this key (holding GOVERNANCE_ROLE) instead of the admin role key' },
  ).action(async (tee: AttestedTee, measurement: Hex, options: CommonOptions & { signerKey?: string }) => {
    requireMeasurementLength(tee, measurement);
    const context = loadContext(options);
    const registry = requireContract(context.deployment, 'pythiaRegistry');
    const account = await governanceAccount(context, options.signerKey);
    const { hash, blockNumber } = await sendAs(context, account, 'pythia approve-measurement', () =>
      approveMeasurement({ clients: context, account, address: registry, teeType: tee, measurement }),
    );
    printResult(
      options,
      { teeType: tee, measurement, status: 'approved', transactionHash: hash, blockNumber },
      () => `approved ${tee.toUpperCase()} measurement ${measurement} (transaction ${hash})`,
    );
  });

  withCommon(
    pythia
      .command('revoke-measurement')
      .description('Revoke a code measurement (governance = the admin key): every key attested with it stops being trusted')
      .argument('<tee>', 'sgx or tdx', parseTeeArg)
      .argument('<measurement>', 'MRENCLAVE (sgx, 32 bytes) or MRTD (tdx, 48 bytes), hex', parseMeasurementArg)
      .requiredOption('--reason <text>', 'why (recorded on chain)', parseReasonArg)
      .option(...YES_OPTION),
    { signer: 'sign with this key (holding GOVERNANCE_ROLE) instead of the admin role key' },
  ).action(async (tee: AttestedTee, measurement: Hex, options: CommonOptions & ConfirmOptions & { reason: string; signerKey?: string }) => {
    requireMeasurementLength(tee, measurement);
    await confirmIrreversible(options, 'pythia revoke-measurement', `revoking ${tee.toUpperCase()} measurement ${measurement}`);
    const context = loadContext(options);
    const registry = requireContract(context.deployment, 'pythiaRegistry');
    const account = await governanceAccount(context, options.signerKey);
    const { hash, blockNumber } = await sendAs(context, account, 'pythia revoke-measurement', () =>
      revokeMeasurement({ clients: context, account, address: registry, teeType: tee, measurement, reason: options.reason }),
    );
    printResult(
      options,
      { teeType: tee, measurement, status: 'revoked', transactionHash: hash, blockNumber },
      () => `revoked ${tee.toUpperCase()} measurement ${measurement} (transaction ${hash})`,
    );
  });
}
