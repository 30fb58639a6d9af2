import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { bytesToHex, type Address, type Hex, type LocalAccount } from 'viem';
import {
  approveRelease,
  fundUpdate,
  reclaimEscrow,
  withdrawCredits,
  listReleases,
  publishRelease,
  readFirmwareClass,
  readFirmwareState,
  revokeRelease,
  revokeReleaseWithKeys,
  signRevocation,
  setReleaseKeys,
  setUpdatePolicy,
  signManifest,
  updatePolicyNames,
  type FirmwareRelease,
  type UpdatePolicyName,
} from '../../chain/firmware/index.js';
import { requireContract } from '../../chain/requireContract.js';
import {
  collect,
  collectText,
  parseAddressArg,
  parseAmountArg,
  parseChoiceArg,
  parseClassArg,
  parseIdArg,
  parseIntegerArg,
  parseReleaseArg,
  parseTextArg,
  parseTimeArg,
  parseUint64Arg,
} from '../args/index.js';
import { loadContext, type CommandContext } from '../context.js';
import { type ConfirmOptions, confirmIrreversible, YES_OPTION } from '../confirm.js';
import { type CommonOptions, withCommon } from '../options.js';
import { UsageError, formatTable, printResult, progress, formatEth } from '../output.js';
import { loadKeystoreAccount, loadSignerAccount, sendAs } from '../signer.js';
const MAX_RELEASE_KEYS = 16;
const MAX_LOCATION_BYTES = 512;

/** What a registry refusal means, in the words of the person who ran the command. */
const firmwareRefusalHints: Readonly<Record<string, string>> = {
  NotClassManufacturer:
    'the signer is not the manufacturer of this class (an operator assigns it: `pythia manufacturer assign <class> <address>`)',
  NotDeviceOwner: "the signer does not own the device's token (pass the owner's key with --signer-key)",
  ReleaseKeysAlreadySet: 'the class already has release keys; only a threshold of them can rotate the set',
  NoReleaseKeys: 'the class has no release keys yet: its manufacturer sets them with `pythia firmware keys set`',
  InvalidKeySet: '1 to 16 distinct non-zero keys, and 1 ≤ threshold ≤ the number of keys',
  InvalidSignature: 'a signature is not by a current release key of the class',
  ThresholdNotMet: 'too few release key signatures for the class threshold',
  SequenceNotNewer: 'rollback: the sequence must be above the class latest',
  SequenceTooFar: 'fast-forward: the sequence jumps beyond the class maximum step',
  ManifestExpired: 'freeze: the manifest was issued too long ago',
  ManifestFromFuture: 'the manifest is dated in the future',
  InvalidManifest: 'the manifest has an empty digest or size, or a location of 0 or more than 512 bytes',
  UnknownRelease: 'no release has this id',
  ReleaseIsRevoked: 'the release is revoked',
  WrongDeviceClass: 'the release is for another device class than the device',
  ReleaseInstalled: 'devices run this release: revoking it needs a threshold of the release keys (--release-key, repeated)',
  EscrowNotReclaimable:
    'the escrow cannot be closed yet: its release is not revoked, its deadline has not passed and the device kept its owner',
  EscrowNotOpen: 'the escrow was released or closed already',
};

/** The sender: --signer-key (a manufacturer's or owner's own key), else the operator role key. */
function signerOf(context: CommandContext, options: CommonOptions, who: string): Promise<LocalAccount> {
  return loadSignerAccount(context, { signerKey: options.signerKey, role: 'operator', purpose: who });
}

/** Runs a registry write as the CLI runs every write (sendAs), with the registry's hints. */
function refusing<T>(context: CommandContext, account: LocalAccount, what: string, send: () => Promise<T>): Promise<T> {
  return sendAs(context, account, what, send, firmwareRefusalHints);
}

const parseReleaseIdArg = parseReleaseArg('<release>');
const parseDeviceArg = parseAddressArg('<device>');

function releaseRow(r: FirmwareRelease) {
  return {
    class: r.classId,
    sequence: r.sequence.toString(),
    size: `${r.size} bytes`,
    digest: r.digest,
    status: r.revoked ? `revoked (${r.revokedReason})` : 'published',
    location: r.location,
    releaseId: r.releaseId,
  };
}

export function registerFirmwareCommands(program: Command): void {
  const firmware = program
    .command('firmware')
    .description('Firmware releases per device class (threshold-signed manifests), revocation, and owners’ update decisions');

  const keys = firmware.command('keys').description("A device class's release keys (k-of-n)");
  withCommon(
    keys
      .command('set')
      .description(
        "Set a class's first release keys and threshold (the class's manufacturer, once; later sets are threshold-signed rotations)",
      )
      .requiredOption('--class <id>', 'device class id', parseClassArg())
      .requiredOption('--key <address>', 'a release key address (repeat for each key)', collect(parseAddressArg('--key')))
      .requiredOption('--threshold <k>', 'signatures needed per release', parseIntegerArg('--threshold', 1, MAX_RELEASE_KEYS)),
    { signer: "the class manufacturer's key (keystore v3) instead of the operator role key" },
  ).action(async (options: CommonOptions & { class: number; key: Address[]; threshold: number }) => {
    const unique = new Set(options.key.map((k) => k.toLowerCase()));
    if (unique.size !== options.key.length) throw new UsageError('a release key is given twice');
    if (options.key.length > MAX_RELEASE_KEYS) throw new UsageError(`at most ${MAX_RELEASE_KEYS} release keys`);
    if (options.threshold > options.key.length)
      throw new UsageError(`--threshold ${options.threshold} is above the ${options.key.length} keys`);
    const context = loadContext(options);
    const registry = requireContract(context.deployment, 'firmwareRegistry');
    const account = await signerOf(context, options, 'manufacturer');
    progress(options, `setting ${options.threshold}-of-${options.key.length} release keys of class ${options.class}...`);
    const { hash, blockNumber } = await refusing(context, account, 'firmware keys set', () =>
      setReleaseKeys({
        clients: context,
        account,
        address: registry,
        classId: options.class,
        keys: options.key,
        threshold: options.threshold,
      }),
    );
    printResult(
      options,
      { classId: options.class, keys: options.key, threshold: options.threshold, transactionHash: hash, blockNumber },
      () => `class ${options.class}: ${options.threshold}-of-${options.key.length} release keys set (transaction ${hash})`,
    );
  });

  withCommon(
    keys
      .command('show')
      .description("A class's release keys, threshold, latest sequence and bounds")
      .requiredOption('--class <id>', 'device class id', parseClassArg()),
  ).action(async (options: CommonOptions & { class: number }) => {
    const context = loadContext(options);
    const klass = await readFirmwareClass({
      publicClient: context.publicClient,
      registry: requireContract(context.deployment, 'firmwareRegistry'),
      classId: options.class,
    });
    printResult(options, klass, () =>
      klass.keysVersion === 0n
        ? `class ${options.class} has no release keys`
        : [
            `class ${options.class}: ${klass.threshold}-of-${klass.keys.length} release keys (version ${klass.keysVersion})`,
            ...klass.keys.map((k) => `  ${k}`),
            `latest sequence ${klass.latestSequence}, max step ${klass.maxSequenceStep}, max manifest age ${klass.maxManifestAge} s`,
          ].join('\n'),
    );
  });

  withCommon(
    firmware
      .command('publish')
      .description(
        'Publish a release: computes the SHA-256 and size of the image, signs the manifest with each release key, submits it ' +
          '(anyone may submit a threshold-signed manifest)',
      )
      .requiredOption('--class <id>', 'device class id', parseClassArg())
      .requiredOption(
        '--sequence <n>',
        'release sequence number (strictly above the class latest)',
        parseUint64Arg('--sequence', { min: 1n }),
      )
      .requiredOption('--image <file>', 'the firmware image')
      .requiredOption('--uri <location>', 'where devices download the image (1 to 512 bytes)', parseTextArg('--uri', MAX_LOCATION_BYTES))
      .requiredOption('--release-key <keystore>', 'a release key (keystore v3; repeat for each signature)', collectText),
    { signer: 'submit with this key (keystore v3) instead of the operator role key' },
  ).action(async (options: CommonOptions & { class: number; sequence: bigint; image: string; uri: string; releaseKey: string[] }) => {
    if (new Set(options.releaseKey).size !== options.releaseKey.length) throw new UsageError('a --release-key is given twice');
    let image: Buffer;
    try {
      image = readFileSync(options.image);
    } catch (error) {
      throw new UsageError(`cannot read --image ${options.image}: ${(error as Error).message}`);
    }
    if (image.length === 0) throw new UsageError(`--image ${options.image} is empty`);
    const digest = bytesToHex(createHash('sha256').update(image).digest());
    const context = loadContext(options);
    const registry = requireContract(context.deployment, 'firmwareRegistry');
    const releaseKeys: LocalAccount[] = [];
    for (const path of options.releaseKey) releaseKeys.push(await loadKeystoreAccount(path, 'release key'));
    if (new Set(releaseKeys.map((k) => k.address)).size !== releaseKeys.length)
      throw new UsageError('two --release-key files hold the same key');
    const account = await signerOf(context, options, 'submitter');
    // Chain time, not this machine's clock: the registry judges issuedAt against block time.
    const { timestamp } = await context.publicClient.getBlock();
    const manifest = {
      classId: options.class,
      sequence: options.sequence,
      digest,
      size: BigInt(image.length),
      location: options.uri,
      issuedAt: timestamp,
    };
    progress(
      options,
      `signing the manifest of class ${options.class} sequence ${options.sequence} with ${releaseKeys.length} release key(s)...`,
    );
    const signatures = await Promise.all(
      releaseKeys.map((key) => signManifest({ key, chainId: context.deployment.chainId, registry, manifest })),
    );
    const { hash, blockNumber, releaseId } = await refusing(context, account, 'firmware publish', () =>
      publishRelease({ clients: context, account, address: registry, manifest, signatures }),
    );
    printResult(
      options,
      { releaseId, ...manifest, signers: signatures.map((s) => s.signer), transactionHash: hash, blockNumber },
      () =>
        `published class ${options.class} sequence ${options.sequence} (${image.length} bytes, sha256 ${digest}) as ${releaseId} (transaction ${hash})`,
    );
  });

  withCommon(
    firmware
      .command('revoke')
      .description(
        "Revoke a release for good, e.g. a vulnerable build: the class's manufacturer alone while no device reports running it; " +
          'once devices run it (revoking flags every one still running it), a threshold of release keys (--release-key, repeated)',
      )
      .argument('<release>', 'release id (0x + 64 hex digits) or <class>:<sequence>', parseReleaseIdArg)
      .requiredOption('--reason <text>', 'why (recorded on chain)', parseTextArg('--reason', 256))
      .option('--release-key <keystore>', 'a release key that signs the revocation (keystore v3; repeat for each signature)', collectText)
      .option(...YES_OPTION),
    {
      signer: "the class manufacturer's key (keystore v3) instead of the operator role key (with --release-key: any funded key submits)",
    },
  ).action(async (releaseId: Hex, options: CommonOptions & ConfirmOptions & { reason: string; releaseKey?: string[] }) => {
    await confirmIrreversible(options, 'firmware revoke', `revoking release ${releaseId}`);
    const context = loadContext(options);
    const registry = requireContract(context.deployment, 'firmwareRegistry');
    const account = await signerOf(context, options, 'manufacturer');
    let signatures: Awaited<ReturnType<typeof signRevocation>>[] | undefined;
    if (options.releaseKey) {
      const keys: LocalAccount[] = [];
      for (const path of options.releaseKey) keys.push(await loadKeystoreAccount(path, 'release key'));
      if (new Set(keys.map((k) => k.address)).size !== keys.length) throw new UsageError('two --release-key files hold the same key');
      signatures = await Promise.all(keys.map((key) => signRevocation({ key, chainId: context.deployment.chainId, registry, releaseId })));
    }
    const { hash, blockNumber } = await refusing(context, account, 'firmware revoke', () =>
      signatures
        ? revokeReleaseWithKeys({ clients: context, account, address: registry, releaseId, reason: options.reason, signatures })
        : revokeRelease({ clients: context, account, address: registry, releaseId, reason: options.reason }),
    );
    printResult(
      options,
      { releaseId, revoked: true, reason: options.reason, transactionHash: hash, blockNumber },
      () => `revoked ${releaseId} (transaction ${hash})`,
    );
  });

  withCommon(
    firmware
      .command('list')
      .description('Published releases, oldest first, with their revocation status')
      .option('--class <id>', 'only this device class', parseClassArg()),
  ).action(async (options: CommonOptions & { class?: number }) => {
    const context = loadContext(options);
    const releases = await listReleases({
      publicClient: context.publicClient,
      registry: requireContract(context.deployment, 'firmwareRegistry'),
      fromBlock: BigInt(context.deployment.deploymentBlock),
      ...(options.class === undefined ? {} : { classId: options.class }),
    });
    printResult(options, releases, () =>
      releases.length === 0
        ? 'no releases'
        : formatTable(releases.map(releaseRow), ['class', 'sequence', 'size', 'status', 'location', 'releaseId']),
    );
  });

  withCommon(
    firmware
      .command('approve')
      .description("Approve a release for a device, for its current owner only (the device's owner)")
      .argument('<device>', 'device id (address)', parseDeviceArg)
      .argument('<release>', 'release id (0x + 64 hex digits) or <class>:<sequence>', parseReleaseIdArg)
      .option('--withdraw', 'withdraw the approval instead'),
    { signer: "the device owner's key (keystore v3) instead of the operator role key" },
  ).action(async (device: Address, releaseId: Hex, options: CommonOptions & { withdraw?: boolean }) => {
    const context = loadContext(options);
    const registry = requireContract(context.deployment, 'firmwareRegistry');
    const account = await signerOf(context, options, 'owner');
    const approved = !options.withdraw;
    const { hash, blockNumber } = await refusing(context, account, 'firmware approve', () =>
      approveRelease({ clients: context, account, address: registry, device, releaseId, approved }),
    );
    printResult(
      options,
      { device, releaseId, approved, transactionHash: hash, blockNumber },
      () => `${approved ? 'approved' : 'withdrew the approval of'} ${releaseId} for ${device} (transaction ${hash})`,
    );
  });

  withCommon(
    firmware
      .command('policy')
      .description("Set a device's update policy for its current owner (the device's owner); a transfer resets it to approve-each")
      .argument('<device>', 'device id (address)', parseDeviceArg)
      .argument('<policy>', 'automatic or approve-each', parseChoiceArg('<policy>', updatePolicyNames)),
    { signer: "the device owner's key (keystore v3) instead of the operator role key" },
  ).action(async (device: Address, policy: UpdatePolicyName, options: CommonOptions) => {
    const context = loadContext(options);
    const registry = requireContract(context.deployment, 'firmwareRegistry');
    const account = await signerOf(context, options, 'owner');
    const { hash, blockNumber } = await refusing(context, account, 'firmware policy', () =>
      setUpdatePolicy({ clients: context, account, address: registry, device, policy }),
    );
    printResult(
      options,
      { device, policy, transactionHash: hash, blockNumber },
      () => `${device}: update policy ${policy} (transaction ${hash})`,
    );
  });

  withCommon(
    firmware
      .command('status')
      .description("A device's installed firmware, last report nonce, update policy and open paid updates")
      .argument('<device>', 'device id (address)', parseDeviceArg),
  ).action(async (device: Address, options: CommonOptions) => {
    const context = loadContext(options);
    const state = await readFirmwareState({
      publicClient: context.publicClient,
      registry: requireContract(context.deployment, 'firmwareRegistry'),
      device,
    });
    printResult(options, state, () =>
      [
        `device             ${device}`,
        `installed sequence ${state.installedSequence === 0n ? '- (none reported)' : state.installedSequence}`,
        `last report nonce  ${state.lastNonce}`,
        `update policy      ${state.policy}`,
        `open escrows       ${state.openEscrows.length === 0 ? '-' : state.openEscrows.join(', ')}`,
      ].join('\n'),
    );
  });

  withCommon(
    firmware
      .command('fund')
      .description(
        "Pay for a device's update in the chain's currency (the device's owner): held in escrow, released to the class's " +
          'manufacturer (payee) when the device reports installing the release or a later one by the deadline; reclaimable otherwise',
      )
      .argument('<device>', 'device id (address)', parseDeviceArg)
      .argument('<release>', 'release id (0x + 64 hex digits) or <class>:<sequence>', parseReleaseIdArg)
      .requiredOption('--value <amount>', 'how much, in ether (e.g. 0.05)', parseAmountArg('--value'))
      .requiredOption(
        '--deadline <time>',
        'installed by: an ISO time, Unix seconds or a time from now (+30d)',
        parseTimeArg('--deadline', { future: true }),
      ),
    { signer: "the device owner's key (keystore v3) instead of the operator role key" },
  ).action(async (device: Address, releaseId: Hex, options: CommonOptions & { value: bigint; deadline: bigint }) => {
    const context = loadContext(options);
    const registry = requireContract(context.deployment, 'firmwareRegistry');
    const account = await signerOf(context, options, 'owner');
    const { hash, blockNumber, escrowId } = await refusing(context, account, 'firmware fund', () =>
      fundUpdate({ clients: context, account, address: registry, device, releaseId, value: options.value, deadline: options.deadline }),
    );
    printResult(
      options,
      {
        device,
        releaseId,
        escrowId,
        value: options.value.toString(),
        deadline: Number(options.deadline),
        transactionHash: hash,
        blockNumber,
      },
      () => `escrow ${escrowId}: ${formatEth(options.value)} held for ${device}'s update to ${releaseId} (transaction ${hash})`,
    );
  });

  withCommon(
    firmware
      .command('reclaim')
      .alias('close-escrow')
      .description(
        'Close a paid update that can no longer be earned (anyone: the amount is credited to its funder, never to the caller): once ' +
          'the release is revoked, the deadline passed or the device changed owner',
      )
      .argument('<escrow>', 'escrow id (from `firmware fund` or `firmware status`)', parseIdArg('the escrow id')),
    { signer: 'a funded key (keystore v3) instead of the operator role key' },
  ).action(async (escrowId: bigint, options: CommonOptions) => {
    const context = loadContext(options);
    const account = await signerOf(context, options, 'sender');
    const { hash, blockNumber } = await refusing(context, account, 'firmware reclaim', () =>
      reclaimEscrow({ clients: context, account, address: requireContract(context.deployment, 'firmwareRegistry'), escrowId }),
    );
    printResult(
      options,
      { escrowId, transactionHash: hash, blockNumber },
      () => `escrow ${escrowId} reclaimed: credited to its funder (transaction ${hash})`,
    );
  });

  withCommon(
    firmware
      .command('withdraw')
      .description('Withdraw what the firmware registry credits to the signer (a payee paid for updates, or a funder after reclaiming)'),
    { signer: "the payee's or funder's key (keystore v3) instead of the operator role key" },
  ).action(async (options: CommonOptions) => {
    const context = loadContext(options);
    const account = await signerOf(context, options, 'payee');
    const { hash, blockNumber } = await refusing(context, account, 'firmware withdraw', () =>
      withdrawCredits({ clients: context, account, address: requireContract(context.deployment, 'firmwareRegistry') }),
    );
    printResult(
      options,
      { account: account.address, transactionHash: hash, blockNumber },
      () => `withdrawn to ${account.address} (transaction ${hash})`,
    );
  });
}
