import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { isHex, type Address, type Hex } from 'viem';
import {
  grantConsent,
  listConsents,
  readConsent,
  revokeAllConsents,
  revokeConsent,
  type ConsentRecord,
} from '../../chain/consent/index.js';
import { consentRegistryAbi } from '../../contracts/abis.js';
import {
  acceptTerms,
  acceptTermsWithSignature,
  readTerms,
  signTermsAcceptance,
  type TermsState,
} from '../../chain/accountability/index.js';
import type { RecipientTerms } from '../../protocol/recipientTerms.js';
import { buildConsentReceipt, ConsentReceiptFormatError, parseConsentReceipt, verifyConsentReceipt } from '../../chain/consent/receipt.js';
import { commandCatalogue, maskToCommands, maskToStreams, streamNames } from '../../protocol/consentScope.js';
import { requireContract } from '../../chain/requireContract.js';
import {
  collect,
  formatTime,
  parseAddressArg,
  parseBytes32Arg,
  parseCommandsArg,
  parseIdArg,
  parseStreamsArg,
  parseTextArg,
  parseTimeArg,
  formatDuration,
  parseAmount,
  parseDurationArg,
} from '../args/index.js';
import { loadContext, type CommandContext } from '../context.js';
import { type ConfirmOptions, confirmIrreversible, YES_OPTION } from '../confirm.js';
import { type CommonOptions, withCommon } from '../options.js';
import { CliError, UsageError, formatFields, formatTable, printResult, progress, formatEth } from '../output.js';
import { loadSignerAccount, sendAs } from '../signer.js';

const MAX_DEVICES = 64;
const MAX_PURPOSE_BYTES = 1024;

/** What each registry refusal means to the person who ran the command. */
const consentRefusalHints: Readonly<Record<string, string>> = {
  NoDevices: 'give at least one --device',
  TooManyDevices: `at most ${MAX_DEVICES} devices per consent`,
  DuplicateDevice: 'a device is given twice',
  UnknownDevice: 'the device has no ownership token: it is not registered (see `pythia device list`)',
  NotDeviceOwner: 'the signer does not own this device (see `pythia device owner <id>`; sign with the owner key via --signer-key)',
  InvalidRecipient: 'the recipient may not be the zero address or the owner',
  EmptyScope: 'give --streams and/or --commands',
  UnknownStreams: "a stream is beyond the device's profile metrics",
  UnknownCommands: 'a command is not in the catalogue (docs/protocol.md, "Command catalogue")',
  InvalidWindow: '--until must be after --from and in the future',
  EmptyPurpose: '--purpose may not be empty',
  PurposeTooLong: `--purpose is at most ${MAX_PURPOSE_BYTES} bytes`,
  UnknownPolicy: 'no published policy has this id (see `pythia policy list`)',
  UnknownConsent: 'no consent has this id',
  NotConsentOwner: 'only the owner who gave the consent can revoke it (sign with its key via --signer-key)',
  AlreadyRevoked: 'the consent is already revoked',
  NotGrantAgent: 'the signer is not a grant agent of this owner',
  InsufficientGasForHook: 'the transaction was sent with too little gas for the revocation hook: try again',
  NotConsentRecipient: "the signer is not the consent's recipient: only the recipient accepts its terms",
  ConsentRevoked: 'the consent is revoked: there is nothing left to accept',
  ConsentExpired: 'the consent has expired',
  AlreadyAccepted: "the consent's terms were accepted already",
  TermsMismatch: "the terms given are not the consent's (see `pythia consent terms <id>`)",
  InvalidSignature: "the signature is not the recipient's acceptance of these terms",
  SignatureExpired: 'the signed acceptance has expired: ask the recipient for a new one',
};

const parseConsentIdArg = parseIdArg('<consentId>');

/** A consent for output: JSON-friendly, names beside the masks. */
function consentView(c: ConsentRecord) {
  return {
    consentId: c.consentId,
    status: c.status,
    owner: c.owner,
    recipient: c.recipient,
    grantedBy: c.grantedBy,
    devices: c.devices.map((d) => ({
      device: d.device,
      epoch: d.epoch,
      currentEpoch: d.currentEpoch,
      applies: d.epoch === d.currentEpoch,
    })),
    streams: maskToStreams(c.streams),
    commands: maskToCommands(c.commands),
    purpose: c.purpose,
    policyId: c.policyId,
    start: formatTime(c.start),
    expiry: formatTime(c.expiry),
    grantedAt: formatTime(c.grantedAt),
    revokedAt: c.revokedAt === null ? null : formatTime(c.revokedAt),
    termsHash: c.termsHash,
    transactionHash: c.transactionHash,
  };
}

/** `consent show` for a person: labelled lines, each device with the ownership epoch the consent was given in. */
function formatConsent(v: ReturnType<typeof consentView>): string {
  return formatFields([
    ['consent', `${v.consentId} (${v.status})`],
    ['owner', v.owner],
    ['recipient', v.recipient],
    ['granted by', v.grantedBy],
    ...v.devices.map(
      (d, i) =>
        [
          i === 0 ? 'devices' : '',
          `${d.device}, ownership epoch ${d.epoch}${d.applies ? '' : ` (now ${d.currentEpoch}: the device changed hands, the consent no longer applies to it)`}`,
        ] as const,
    ),
    ['streams', v.streams.join(', ') || '-'],
    ['commands', v.commands.join(', ') || '-'],
    ['purpose', v.purpose],
    ['policy', /^0x0+$/.test(v.policyId) ? '- (none)' : v.policyId],
    ['period', `${v.start} to ${v.expiry}`],
    ['granted at', v.grantedAt],
    ['revoked at', v.revokedAt ?? '-'],
    ['terms hash', v.termsHash],
    ['transaction', v.transactionHash],
  ]);
}

const OWNER_KEY = { signer: "the device owner's key (keystore v3) instead of the operator role key" };

export function registerConsentCommands(program: Command): void {
  const consent = program
    .command('consent')
    .description('Consents: what a device owner lets a recipient read (data streams) or do (commands), revocation, receipts');

  withCommon(
    consent
      .command('grant')
      .description('Grant a recipient consent over devices the signer owns')
      .requiredOption('--device <id>', 'a device id (repeat for each device, at most 64)', collect(parseAddressArg('--device')))
      .requiredOption('--recipient <address>', 'who may receive the data / send the commands', parseAddressArg('--recipient'))
      .option('--streams <names>', `data streams, comma-separated: ${streamNames.join(',')}`, parseStreamsArg('--streams'))
      .option('--commands <names>', `commands, comma-separated: ${commandCatalogue.join(',')}`, parseCommandsArg('--commands'))
      .requiredOption('--purpose <text>', 'why the recipient gets the data (1 to 1024 bytes)', parseTextArg('--purpose', MAX_PURPOSE_BYTES))
      .option('--policy <id>', 'the governing policy version id (0x + 64 hex)', parseBytes32Arg('--policy'))
      .option('--from <time>', 'start: ISO time, Unix seconds or a time from now (default: now)', parseTimeArg('--from'))
      .requiredOption(
        '--until <time>',
        'expiry (exclusive): ISO time, Unix seconds or a time from now (30d, 12h)',
        parseTimeArg('--until'),
      ),
    OWNER_KEY,
  ).action(
    async (
      options: CommonOptions & {
        device: Address[];
        recipient: Address;
        streams?: number;
        commands?: number;
        purpose: string;
        policy?: Hex;
        from?: bigint;
        until: bigint;
      },
    ) => {
      const { streams = 0, commands = 0 } = options;
      if (streams === 0 && commands === 0) throw new UsageError('give --streams and/or --commands (a consent must cover something)');
      if (options.device.length > MAX_DEVICES) throw new UsageError(`at most ${MAX_DEVICES} devices per consent`);
      if (new Set(options.device).size !== options.device.length) throw new UsageError('a --device is given twice');
      const nowSeconds = BigInt(Math.floor(Date.now() / 1000));
      if (options.until <= (options.from ?? nowSeconds)) throw new UsageError('--until must be after --from (or after now)');
      const context = loadContext(options);
      const registry = requireContract(context.deployment, 'consentRegistry');
      const account = await loadSignerAccount(context, { signerKey: options.signerKey, role: 'operator', purpose: 'owner' });
      progress(options, `granting ${options.recipient} consent over ${options.device.length} device(s)...`);
      const granted = await sendAs(
        context,
        account,
        'consent grant',
        () =>
          grantConsent({
            clients: context,
            account,
            address: registry,
            recipient: options.recipient,
            devices: options.device,
            streams,
            commands,
            purpose: options.purpose,
            ...(options.policy ? { policyId: options.policy } : {}),
            ...(options.from === undefined ? {} : { start: options.from }),
            expiry: options.until,
          }),
        consentRefusalHints,
      );
      printResult(
        options,
        {
          ...granted,
          owner: account.address,
          recipient: options.recipient,
          streams: maskToStreams(streams),
          commands: maskToCommands(commands),
        },
        () =>
          `consent ${granted.consentId} granted to ${options.recipient} until ${formatTime(options.until)} (transaction ${granted.hash})`,
      );
    },
  );

  withCommon(
    consent
      .command('revoke')
      .description('Revoke one consent, or with --recipient every consent the signer gave that recipient')
      .argument('[consentId]', 'the consent to revoke', parseConsentIdArg)
      .option('--recipient <address>', 'revoke every live consent given to this recipient', parseAddressArg('--recipient'))
      .option(...YES_OPTION),
    OWNER_KEY,
  ).action(async (consentId: bigint | undefined, options: CommonOptions & ConfirmOptions & { recipient?: Address }) => {
    if ((consentId === undefined) === (options.recipient === undefined)) {
      throw new UsageError('give a consent id or --recipient <address> (one of the two)');
    }
    await confirmIrreversible(
      options,
      'consent revoke',
      consentId !== undefined ? `revoking consent ${consentId}` : `revoking every consent given to ${options.recipient}`,
    );
    const context = loadContext(options);
    const registry = requireContract(context.deployment, 'consentRegistry');
    const account = await loadSignerAccount(context, { signerKey: options.signerKey, role: 'operator', purpose: 'owner' });
    if (consentId !== undefined) {
      progress(options, `revoking consent ${consentId}...`);
      const r = await sendAs(
        context,
        account,
        'consent revoke',
        () => revokeConsent({ clients: context, account, address: registry, consentId }),
        consentRefusalHints,
      );
      printResult(options, r, () => `consent ${consentId} revoked (transaction ${r.hash})`);
      return;
    }
    const recipient = options.recipient!;
    progress(options, `revoking every consent given to ${recipient}, 32 per transaction...`);
    const r = await sendAs(
      context,
      account,
      'consent revoke',
      () =>
        revokeAllConsents({
          clients: context,
          account,
          address: registry,
          recipient,
          onPage: (page) =>
            progress(options, `  ${page.revoked.length} revoked (transaction ${page.hash}), ${page.remaining} left to walk`),
        }),
      consentRefusalHints,
    );
    printResult(
      options,
      { ...r, count: r.revoked.length },
      () =>
        `${r.revoked.length} consent(s) to ${recipient} revoked${r.revoked.length ? `: ${r.revoked.join(', ')}` : ''}${r.hashes.length === 0 ? '' : ` (${r.hashes.length === 1 ? 'transaction' : 'transactions'} ${r.hashes.join(', ')})`}`,
    );
  });

  withCommon(
    consent
      .command('terms')
      .description(
        "The recipient's side of a consent: the penalty and periods its bond would be held to, and whether the recipient accepted them " +
          '(an unaccepted consent gives access and carries no penalty)',
      )
      .argument('<consentId>', 'the consent', parseConsentIdArg),
  ).action(async (consentId: bigint, options: CommonOptions) => {
    const context = loadContext(options);
    const state = await readTerms({ publicClient: context.publicClient, address: termsOf(context), consentId }).catch((error) => {
      throw unknownConsentOr(error, consentId);
    });
    printResult(options, termsView(state), () => termsText(state));
  });

  withCommon(
    consent
      .command('accept')
      .description(
        "Recipient: accept a consent's terms on chain, so that the owner's data comes with your bond at stake " +
          '(up to the penalty shown by `pythia consent terms`). With --sign-only, sign an acceptance anyone may submit ' +
          'instead; with --signed <file>, submit such a signed acceptance (any signer pays the gas)',
      )
      .argument('[consentId]', 'the consent', parseConsentIdArg)
      .option('--penalty <ether>', 'refuse unless the penalty is exactly this (what you agreed to), in ether', parsePenaltyArg)
      .option('--sign-only', 'sign the acceptance (EIP-712) and print it instead of sending a transaction')
      .option(
        '--valid-for <duration>',
        'with --sign-only: how long the signature is valid (<n>s|m|h|d|w; default 7d)',
        parseDurationArg('--valid-for'),
      )
      .option('--out <file>', 'with --sign-only: write the signed acceptance to a file')
      .option('--signed <file>', 'submit a signed acceptance (from --sign-only)'),
    { signer: "the recipient's key (keystore v3); required (with --signed: any funded key)" },
  ).action(
    async (
      consentId: bigint | undefined,
      options: CommonOptions & { penalty?: bigint; signOnly?: boolean; validFor?: bigint; out?: string; signed?: string },
    ) => {
      if (!options.signerKey) throw new UsageError('--signer-key <keystore> is required');
      const context = loadContext(options);
      const address = termsOf(context);
      const account = await loadSignerAccount(context, { signerKey: options.signerKey, role: 'operator', purpose: 'recipient' });
      if (options.signed) {
        const signed = readSignedAcceptance(options.signed);
        const r = await sendAs(
          context,
          account,
          'consent accept',
          () => acceptTermsWithSignature({ clients: context, account, address, ...signed }),
          consentRefusalHints,
        );
        printResult(
          options,
          { consentId: signed.terms.consentId, transactionHash: r.hash, blockNumber: r.blockNumber },
          () => `the signed acceptance of consent ${signed.terms.consentId} is on chain (transaction ${r.hash})`,
        );
        return;
      }
      if (consentId === undefined) throw new UsageError('give the consent id (or --signed <file>)');
      const state = await readTerms({ publicClient: context.publicClient, address, consentId }).catch((error) => {
        throw unknownConsentOr(error, consentId);
      });
      if (options.penalty !== undefined && state.terms.penaltyWei !== options.penalty) {
        throw new CliError(
          `consent ${consentId} carries a penalty of ${formatEth(state.terms.penaltyWei)}, not ${formatEth(options.penalty)}: nothing accepted`,
        );
      }
      if (state.recipient.toLowerCase() !== account.address.toLowerCase()) {
        throw new CliError(`the signer ${account.address} is not the recipient of consent ${consentId} (${state.recipient})`);
      }
      if (options.signOnly) {
        const deadline = BigInt(Math.floor(Date.now() / 1000)) + (options.validFor ?? 7n * 86_400n);
        const signature = await signTermsAcceptance({
          account,
          chainId: context.deployment.chainId,
          recipientTerms: address,
          terms: state.terms,
          deadline,
        });
        const signed = { ...stringified(state.terms), deadline: deadline.toString(), signature };
        if (options.out)
          writeFileSync(
            options.out,
            `${JSON.stringify(signed, null, 2)}
`,
          );
        printResult(options, signed, () =>
          options.out ? `signed acceptance of consent ${consentId} written to ${options.out}` : JSON.stringify(signed, null, 2),
        );
        return;
      }
      progress(options, `accepting the terms of consent ${consentId} (penalty ${formatEth(state.terms.penaltyWei)})...`);
      const r = await sendAs(
        context,
        account,
        'consent accept',
        () => acceptTerms({ clients: context, account, address, consentId, expected: state.terms }),
        consentRefusalHints,
      );
      const after = await readTerms({ publicClient: context.publicClient, address, consentId });
      printResult(options, { ...termsView(after), transactionHash: r.hash, blockNumber: r.blockNumber }, () =>
        [`consent ${consentId}: terms accepted (transaction ${r.hash})`, termsText(after)].join('\n'),
      );
    },
  );

  withCommon(
    consent
      .command('list')
      .description('Every consent an owner gave, across all its devices, with status (or every consent a recipient holds)')
      .option('--owner <address>', 'the owner (default: the --signer-key account)', parseAddressArg('--owner'))
      .option('--recipient <address>', 'the recipient (with --owner: only consents between the two)', parseAddressArg('--recipient')),
    { signer: 'a keystore whose account is the owner to list (instead of --owner)' },
  ).action(async (options: CommonOptions & { owner?: Address; recipient?: Address }) => {
    const context = loadContext(options);
    const registry = requireContract(context.deployment, 'consentRegistry');
    let owner = options.owner;
    if (!owner && !options.recipient) {
      if (!options.signerKey) throw new UsageError('give --owner, --recipient or --signer-key');
      owner = (await loadSignerAccount(context, { signerKey: options.signerKey, role: 'operator', purpose: 'owner' })).address;
    }
    const records = await listConsents({
      publicClient: context.publicClient,
      registry,
      ...(owner ? { owner } : {}),
      ...(options.recipient ? { recipient: options.recipient } : {}),
      fromBlock: BigInt(context.deployment.deploymentBlock),
    });
    const views = records.map(consentView);
    printResult(options, views, () =>
      views.length === 0
        ? 'no consents'
        : formatTable(
            views.map((v) => ({
              id: v.consentId,
              status: v.status,
              owner: v.owner,
              recipient: v.recipient,
              devices: v.devices.length,
              streams: v.streams.join(',') || '-',
              commands: v.commands.join(',') || '-',
              until: v.expiry,
              purpose: v.purpose.length > 40 ? `${v.purpose.slice(0, 39)}…` : v.purpose,
            })),
            ['id', 'status', 'owner', 'recipient', 'devices', 'streams', 'commands', 'until', 'purpose'],
          ),
    );
  });

  withCommon(
    consent
      .command('show')
      .description('One consent: terms, devices with their epochs, status')
      .argument('<consentId>', 'the consent', parseConsentIdArg),
  ).action(async (consentId: bigint, options: CommonOptions) => {
    const context = loadContext(options);
    const registry = requireContract(context.deployment, 'consentRegistry');
    const record = await readConsentOrFail(context, registry, consentId);
    const v = consentView(record);
    printResult(options, v, () => formatConsent(v));
  });

  withCommon(
    consent
      .command('receipt')
      .description('The Kantara Consent Receipt v1.1 / ISO/IEC 27560-style JSON of a consent, verifiable against the chain')
      .argument('<consentId>', 'the consent', parseConsentIdArg)
      .option('--out <file>', 'write the receipt to a file (default: stdout)')
      .option('--jurisdiction <code>', 'jurisdiction of the receipt (default EU)')
      .option('--language <tag>', 'language of the receipt (default en)'),
  ).action(async (consentId: bigint, options: CommonOptions & { out?: string; jurisdiction?: string; language?: string }) => {
    const context = loadContext(options);
    const registry = requireContract(context.deployment, 'consentRegistry');
    const record = await readConsentOrFail(context, registry, consentId);
    const receipt = buildConsentReceipt({
      consent: record,
      chainId: context.deployment.chainId,
      registry,
      ...(options.jurisdiction ? { jurisdiction: options.jurisdiction } : {}),
      ...(options.language ? { language: options.language } : {}),
    });
    const text = `${JSON.stringify(receipt, null, 2)}\n`;
    if (options.out) {
      try {
        writeFileSync(options.out, text);
      } catch (error) {
        throw new CliError(`cannot write ${options.out}: ${(error as Error).message}`);
      }
      printResult(
        options,
        { consentId, out: options.out, termsHash: record.termsHash },
        () => `receipt of consent ${consentId} written to ${options.out}`,
      );
    } else {
      process.stdout.write(text);
    }
  });

  withCommon(
    consent
      .command('verify-receipt')
      .description('Check a consent receipt against the chain: terms hash, grant transaction, and the status now')
      .argument('<file>', 'the receipt JSON'),
  ).action(async (file: string, options: CommonOptions) => {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
    }
    let receipt: ReturnType<typeof parseConsentReceipt>;
    try {
      receipt = parseConsentReceipt(raw);
    } catch (error) {
      if (error instanceof ConsentReceiptFormatError) throw new UsageError(error.message);
      throw error;
    }
    const context = loadContext(options);
    const result = await verifyConsentReceipt({
      publicClient: context.publicClient,
      receipt,
      fromBlock: BigInt(context.deployment.deploymentBlock),
    });
    printResult(options, result, () => {
      const head = result.valid
        ? `receipt valid: consent ${receipt.pythia.consentId} terms match the chain (terms hash ${result.chainTermsHash})`
        : `receipt NOT valid: ${result.problems.join('; ')}`;
      const status =
        result.status === null
          ? ''
          : `\nstatus now: ${result.status}${result.revokedAt ? ` (revoked at ${formatTime(BigInt(result.revokedAt))})` : ''}${
              result.ownershipChanged.length ? `; devices that changed hands: ${result.ownershipChanged.join(', ')}` : ''
            }`;
      return head + status;
    });
    if (!result.valid) process.exitCode = 1;
  });
}

function termsOf(context: CommandContext): Address {
  return requireContract(context.deployment, 'recipientTerms');
}

function unknownConsentOr(error: unknown, consentId: bigint): unknown {
  return /UnknownConsent/.test(String(error)) ? new CliError(`no consent ${consentId}`) : error;
}

/** --penalty: an amount in ether, 0 included (a policy may carry no penalty). */
function parsePenaltyArg(value: string): bigint {
  return /^0+(\.0+)?$/.test(value) ? 0n : parseAmount('--penalty', value);
}

const duration = formatDuration;

function stringified(t: RecipientTerms) {
  return {
    consentId: t.consentId.toString(),
    consentTermsHash: t.consentTermsHash,
    policyId: t.policyId,
    penaltyWei: t.penaltyWei.toString(),
    deletionPeriod: t.deletionPeriod.toString(),
    claimWindow: t.claimWindow.toString(),
    disputeWindow: t.disputeWindow.toString(),
    maxDeletionRequests: t.maxDeletionRequests,
  };
}

function termsView(state: TermsState) {
  return {
    ...stringified(state.terms),
    recipient: state.recipient,
    owner: state.owner,
    accepted: state.acceptedAt !== 0n,
    acceptedAt: state.acceptedAt === 0n ? null : formatTime(state.acceptedAt),
    claimsUntil: formatTime(state.claimsUntil),
  };
}

function termsText(state: TermsState): string {
  const t = state.terms;
  return [
    `consent              ${t.consentId} (terms hash ${t.consentTermsHash})`,
    `recipient            ${state.recipient}`,
    `accepted             ${state.acceptedAt === 0n ? 'no: the consent gives access and carries no penalty' : formatTime(state.acceptedAt)}`,
    `penalty              ${formatEth(t.penaltyWei)} per violation (a leak to one party, a missed deletion)`,
    `deletion period      ${duration(t.deletionPeriod)} for every deletion request (at most ${t.maxDeletionRequests} by the owner)`,
    `claims until         ${formatTime(state.claimsUntil)} (expiry + ${duration(t.claimWindow)})`,
    `dispute window       ${duration(t.disputeWindow)} to contest a leak claim`,
  ].join('\n');
}

/** A signed acceptance file (from `consent accept --sign-only`), every field checked. */
function readSignedAcceptance(file: string): { terms: RecipientTerms; deadline: bigint; signature: Hex } {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const uint = (name: string): bigint => {
    const v = raw[name];
    if ((typeof v !== 'string' && typeof v !== 'number') || !/^\d{1,78}$/.test(String(v)))
      throw new UsageError(`${file}: ${name} must be an integer`);
    return BigInt(v);
  };
  const bytes32 = (name: string): Hex => {
    const v = raw[name];
    if (typeof v !== 'string' || !isHex(v) || v.length !== 66) throw new UsageError(`${file}: ${name} must be 0x + 64 hex digits`);
    return v as Hex;
  };
  const signature = raw.signature;
  if (typeof signature !== 'string' || !isHex(signature)) throw new UsageError(`${file}: signature must be hex`);
  const terms: RecipientTerms = {
    consentId: uint('consentId'),
    consentTermsHash: bytes32('consentTermsHash'),
    policyId: bytes32('policyId'),
    penaltyWei: uint('penaltyWei'),
    deletionPeriod: uint('deletionPeriod'),
    claimWindow: uint('claimWindow'),
    disputeWindow: uint('disputeWindow'),
    maxDeletionRequests: Number(uint('maxDeletionRequests')),
  };
  return { terms, deadline: uint('deadline'), signature: signature as Hex };
}

async function readConsentOrFail(context: CommandContext, registry: Address, consentId: bigint): Promise<ConsentRecord> {
  const count = await context.publicClient.readContract({
    address: registry,
    abi: consentRegistryAbi,
    functionName: 'consentCount',
  });
  if (consentId > count) throw new CliError(`no consent ${consentId} (there are ${count})`);
  return readConsent({ publicClient: context.publicClient, registry, consentId, fromBlock: BigInt(context.deployment.deploymentBlock) });
}
