import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Address } from 'viem';
import { questionOf, questions } from '../../answers/index.js';

const questionNames = () => [...questions.values()].map((q) => q.name).join(', ');
import { provisioningBundleFields } from '../../chain/provisioningBundleFields.js';
import { roleKeyPath } from '../../chain/roleKeys.js';
import { decryptKeystore, readKeystoreFile } from '../../keystore/index.js';
import { askPythia } from '../../sdk/askPythia.js';
import { createQuestionSequence } from '../../sdk/createQuestionSequence.js';
import { deviceKeyFromPrivateKey } from '../../sdk/deviceKeyFromPrivateKey.js';
import { loadDeviceKey } from '../../sdk/loadDeviceKey.js';
import { CLIQUE_EPOCH, cliqueSignersOfExtraData } from '../../network/cliqueGenesis.js';
import { ProvisioningBundleError, parseProvisioningBundle } from '../../sdk/provisioningBundle.js';
import { parseAddressArg, parseIntegerArg, parseUrlArg } from '../args/index.js';
import { loadContext } from '../context.js';
import { withCommon } from '../options.js';
import { CliError, printResult, UsageError } from '../output.js';
import { resolvePassphrase } from '../passphrase.js';

/** `pythia ask` (a device's view) and `pythia bundle create` (what a device is given to trust its Pythia). */
export function registerAskCommands(program: Command): void {
  withCommon(
    program
      .command('ask')
      .description('Ask the Pythia a question as a device would, and verify the signed answer against the provisioning bundle')
      .argument('<question>', `question name or id (${questionNames()})`)
      .requiredOption('--key-file <path>', 'the device key (encrypted keystore, e.g. from `pythia device keygen`)')
      .requiredOption('--bundle <path>', 'provisioning bundle (from `pythia bundle create`)')
      .option('--subject <id>', 'device_status: the device asked about (default: the asking device)', parseAddressArg('--subject'))
      .option('--gateway <url>', "gateway URL (default: the bundle's first)", parseUrlArg('--gateway')),
    { dataDir: false },
  ).action(async (question: string, options: { keyFile: string; bundle: string; subject?: Address; gateway?: string; json?: boolean }) => {
    const known = questionOf(/^\d+$/.test(question) ? Number(question) : question);
    if (!known) throw new UsageError(`unknown question "${question}": one of ${questionNames()}`);
    const bundle = readBundle(options.bundle);
    const key = await loadDeviceKey(options.keyFile, await resolvePassphrase('device key', 'device')).catch((error: Error) => {
      throw new CliError(`cannot open the device key ${options.keyFile}: ${error.message}`);
    });
    const verified = await askPythia({
      key,
      bundle,
      question: known.name,
      params: { device: options.subject ?? key.deviceId },
      // One question per process: the clock (ms) is above the device's last question.
      sequence: createQuestionSequence(),
      ...(options.gateway ? { gatewayUrl: options.gateway } : {}),
    }).catch((error: Error & { reason?: string }) => {
      throw new CliError(`${error.reason ? `${error.reason}: ` : ''}${error.message}`);
    });
    printResult(options, verified, () =>
      [
        `verified answer to ${verified.question} from Pythia ${verified.signer}`,
        `  read at block ${verified.blockNumber} (block hash ${verified.blockHash}), signed ${new Date(verified.time * 1000).toISOString()}`,
        ...Object.entries(verified.answer as Record<string, unknown>).map(([k, v]) => `  ${k.padEnd(16)} ${String(v)}`),
      ].join('\n'),
    );
  });

  withCommon(
    program
      .command('bundle')
      .description('Provisioning bundles for devices')
      .command('create')
      .description(
        'Write a provisioning bundle: chain, contracts, the Pythia keys the registry trusts now (this node first), attestation policy',
      )
      .requiredOption('--out <path>', 'where to write the bundle (JSON)')
      .option('--require-attested', 'devices refuse Pythia keys without TEE attestation (this node has none: its key is unattested)')
      .option('--max-age-seconds <s>', 'oldest answer a device accepts, by time', parseIntegerArg('max age', 1, 86_400 * 365), 300)
      .option('--max-age-blocks <n>', 'oldest answer a device accepts, by block', parseIntegerArg('max age', 1, 10_000_000), 100)
      .option(
        '--clique-epoch <n>',
        "the Clique network's epoch (blocks between checkpoints; `pythia network init --epoch`), written with the genesis validators when the chain is Clique",
        parseIntegerArg('epoch', 1, 1_000_000_000),
        CLIQUE_EPOCH,
      ),
    { json: 'print the bundle' },
  ).action(
    async (options: {
      out: string;
      requireAttested?: boolean;
      maxAgeSeconds: number;
      maxAgeBlocks: number;
      cliqueEpoch: number;
      dataDir?: string;
      json?: boolean;
    }) => {
      const context = loadContext(options);
      const passphrase = await resolvePassphrase('pythia key');
      const pythia = await decryptKeystore(await readKeystoreFile(roleKeyPath(context.dataDir, 'pythia')), passphrase).catch(
        (error: Error) => {
          throw new CliError(`cannot open the pythia key: ${error.message}`);
        },
      );
      const key = deviceKeyFromPrivateKey(pythia.privateKey);
      const fields = await provisioningBundleFields({
        publicClient: context.publicClient,
        deployment: context.deployment,
        pythiaKey: { address: key.deviceId, publicKey: key.publicKey },
        requireAttested: options.requireAttested === true,
        freshness: { maxAgeSeconds: options.maxAgeSeconds, maxAgeBlocks: options.maxAgeBlocks },
        // A Clique chain lists its genesis validators in block 0's extra-data: what a device that trusts the chain starts from.
        clique: cliqueSignersOfExtraData((await context.publicClient.getBlock({ blockNumber: 0n })).extraData),
        cliqueEpoch: options.cliqueEpoch,
      });
      if (fields.pythiaKeys.length === 0)
        throw new CliError('the Pythia registry trusts no key: register one with `pythia pythia register`');
      const bundle = parseProvisioningBundle(fields);
      writeFileSync(options.out, `${JSON.stringify(bundle, null, 2)}\n`);
      printResult(
        options,
        bundle,
        () =>
          `bundle for chain ${bundle.chainId} trusting Pythia ${bundle.pythiaKeys.map((k) => k.address).join(', ')}${bundle.clique ? ` and the chain's ${bundle.clique.validators.length} Clique validator(s) (epoch ${bundle.clique.epoch})` : ''} written to ${options.out}`,
      );
    },
  );
}

function readBundle(path: string) {
  try {
    return parseProvisioningBundle(readFileSync(path, 'utf8'));
  } catch (error) {
    if (error instanceof ProvisioningBundleError) throw new UsageError(`${path}: ${error.message}`);
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}
