import { type Command, InvalidArgumentError } from 'commander';
import type { Address, Hex } from 'viem';
import { consentRegistryAddress, ConsentRegistryMissingError } from '../../chain/consent/index.js';
import { MAX_COMMAND_ARGS_BYTES, MAX_COMMAND_LIFETIME_SECONDS } from '../../protocol/command.js';
import { commandCatalogue, type CommandName } from '../../protocol/consentScope.js';
import { GatewayRejection } from '../../sdk/errors.js';
import { sendCommand, signCommand } from '../../sdk/signCommand.js';
import { parseAddressArg, parseIntegerArg, parseUrlArg } from '../args.js';
import { loadContext } from '../context.js';
import { CliError, printResult } from '../output.js';
import { loadKeystoreAccount } from '../signer.js';

function parseCommandArg(value: string): CommandName {
  const name = value.trim().toLowerCase();
  if (!(commandCatalogue as readonly string[]).includes(name)) {
    throw new InvalidArgumentError(`unknown command "${value}": one of ${commandCatalogue.join(', ')}`);
  }
  return name as CommandName;
}

function parseConsentIdArg(value: string): bigint {
  if (!/^[1-9]\d{0,30}$/.test(value)) throw new InvalidArgumentError(`a consent id is a positive integer, got "${value}"`);
  return BigInt(value);
}

function parseArgsArg(value: string): Hex {
  const hex = (value.startsWith('0x') ? value : `0x${value}`).toLowerCase();
  if (!/^0x(?:[0-9a-f]{2})*$/.test(hex) || (hex.length - 2) / 2 > MAX_COMMAND_ARGS_BYTES) {
    throw new InvalidArgumentError(`--args must be even-length hex, at most ${MAX_COMMAND_ARGS_BYTES} bytes`);
  }
  return hex as Hex;
}

/** What each gateway refusal means to the recipient who ran the command. */
const HINTS: Record<string, string> = {
  consent_revoked: 'the owner revoked this consent: ask for a new one',
  consent_expired: 'the consent has expired: ask the owner for a new one',
  consent_not_yet_valid: 'the consent starts later',
  command_not_covered: 'the consent does not cover this command (`pythia consent list --recipient <address>` shows what it covers)',
  device_not_covered: 'the consent does not cover this device',
  wrong_recipient: 'the signer is not the recipient of this consent (sign with its key via --signer-key)',
  unknown_consent: 'no consent has this id',
  ownership_changed: 'the device changed hands since the consent was granted, which voided it',
  device_channel_unavailable: 'the gateway has no MQTT channel to devices right now: try again',
  not_found: 'this gateway has no consent registry and access log, so no commands route',
};

export function registerCommandCommands(program: Command): void {
  const command = program
    .command('command')
    .description('Commands to devices under consent: a recipient signs, the Pythia relays and logs');
  command
    .command('send')
    .description('Sign a command as the consent recipient and send it to the device through the gateway; prints the command id')
    .argument('<device>', 'the device id', parseAddressArg)
    .argument('<command>', `one of ${commandCatalogue.join(', ')}`, parseCommandArg)
    .requiredOption('--consent <id>', 'the consent that covers the command', parseConsentIdArg)
    .requiredOption('--signer-key <keystore>', "the recipient's key (keystore v3)")
    .option('--args <hex>', 'command arguments (hex, at most 256 bytes)', parseArgsArg)
    .option(
      '--ttl <seconds>',
      `the command expires this long after signing (at most ${MAX_COMMAND_LIFETIME_SECONDS})`,
      parseIntegerArg('--ttl', 1, MAX_COMMAND_LIFETIME_SECONDS),
      120,
    )
    .option('--gateway <url>', 'gateway URL (default: deployment.json gatewayUrl)', parseUrlArg)
    .option('--data-dir <dir>', 'Pythia data directory (default ./.pythia)')
    .option('--json', 'machine-readable output')
    .action(
      async (
        device: Address,
        name: CommandName,
        options: { consent: bigint; signerKey: string; args?: Hex; ttl: number; gateway?: string; dataDir?: string; json?: boolean },
      ) => {
        const context = loadContext(options);
        let consentRegistry: Address;
        try {
          consentRegistry = consentRegistryAddress(context.deployment);
        } catch (error) {
          if (error instanceof ConsentRegistryMissingError) throw new CliError(error.message);
          throw error;
        }
        const account = await loadKeystoreAccount(options.signerKey, 'recipient key');
        const now = Math.floor(Date.now() / 1000);
        const signed = signCommand({
          privateKey: account.privateKey,
          chainId: context.deployment.chainId,
          consentRegistry,
          device,
          consentId: options.consent,
          command: name,
          ...(options.args ? { args: options.args } : {}),
          expiresAt: BigInt(now + options.ttl),
          now,
        });
        const gatewayUrl = options.gateway ?? context.deployment.gatewayUrl;
        let sent: Awaited<ReturnType<typeof sendCommand>>;
        try {
          sent = await sendCommand({ gatewayUrl, signed });
        } catch (error) {
          if (error instanceof GatewayRejection) {
            const hint = HINTS[error.reason];
            throw new CliError(hint ? `${error.message}: ${hint}` : error.message);
          }
          throw new CliError(`could not reach the gateway at ${gatewayUrl}: ${(error as Error).message}`);
        }
        printResult(
          options,
          { ...sent, nonce: signed.command.nonce, expiresAt: signed.command.expiresAt },
          () =>
            `${sent.id}\n${sent.commandName} sent to ${sent.device} under consent ${sent.consentId} (checked at block ${sent.checkedAtBlock}); ` +
            `status: GET ${gatewayUrl}/v1/commands/${sent.id}`,
        );
      },
    );
}
