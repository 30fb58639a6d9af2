import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { getAddress, type Address } from 'viem';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { encryptKeystore, KeystoreError, readKeystoreFile, writeKeystoreFile } from '../../keystore/index.js';
import { withCommon } from '../options.js';
import { CliError, printResult, UsageError } from '../output.js';
import { KEY_PASSPHRASE_ENV, resolvePassphrase } from '../passphrase.js';

/** The address a key file records (keystore v3 `address`), EIP-55. Public: no passphrase needed. */
export async function keyFileAddress(path: string): Promise<Address> {
  let keystore: Awaited<ReturnType<typeof readKeystoreFile>>;
  try {
    keystore = await readKeystoreFile(path);
  } catch (error) {
    if (error instanceof KeystoreError) throw new UsageError(`${path} is not a key file (keystore v3): ${error.message}`);
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (keystore.address === undefined)
    throw new CliError(`${path} does not record its address (an optional field of keystore v3): only its passphrase can tell it`);
  return getAddress(`0x${keystore.address}`);
}

/** `pythia key ...`: key files of people and organisations (owners, manufacturers, buyers, release keys). */
export function registerKeyCommands(program: Command): void {
  const key = program
    .command('key')
    .description(
      `Key files of people and organisations (an owner, a manufacturer, a buyer, a firmware release key): encrypted at rest, passphrase from $${KEY_PASSPHRASE_ENV}`,
    );

  withCommon(
    key
      .command('new')
      .description(
        `Make a new key and write it encrypted (keystore v3, scrypt; passphrase from $${KEY_PASSPHRASE_ENV} or the terminal) to a file ` +
          'only you can read; print its address. Use it with --signer-key, --manufacturer-key or --release-key. ' +
          'A device makes its own key with `pythia device keygen`',
      )
      .requiredOption('--out <file>', 'where to write the key file; must not exist'),
    { dataDir: false },
  ).action(async (options: { out: string; json?: boolean }) => {
    if (existsSync(options.out)) throw new UsageError(`${options.out} exists: refusing to overwrite a key`);
    const passphrase = await resolvePassphrase('new key', 'personal');
    const privateKey = generatePrivateKey();
    await writeKeystoreFile(options.out, await encryptKeystore(privateKey, passphrase));
    const address = privateKeyToAddress(privateKey);
    printResult(options, { address, keyFile: options.out }, () => `address  ${address}\nkey file ${options.out} (encrypted, mode 0600)`);
  });

  withCommon(
    key
      .command('address')
      .description(
        'Print the address a key file records (no passphrase needed: the address is public), for scripts: OWNER=$(pythia key address owner.json). ' +
          'Works for device keys too (the address is the device id)',
      )
      .argument('<file>', 'a key file (keystore v3)'),
    { dataDir: false },
  ).action(async (file: string, options: { json?: boolean }) => {
    const address = await keyFileAddress(file);
    printResult(options, { address, keyFile: file }, () => address);
  });
}
