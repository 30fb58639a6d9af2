import type { Command } from 'commander';
import type { Address, Hex } from 'viem';
import { requireContract } from '../../chain/requireContract.js';
import { MAX_COMMAND_ARGS_BYTES, MAX_COMMAND_LIFETIME_SECONDS } from '../../protocol/command.js';
import { commandCatalogue, type CommandName } from '../../protocol/consentScope.js';
import { GatewayRejection } from '../../sdk/errors.js';
import { sendCommand, signCommand } from '../../sdk/signCommand.js';
import { parseAddressArg, parseChoiceArg, parseHexBytesArg, parseIdArg, parseIntegerArg, parseUrlArg } from '../args/index.js';
import { loadContext } from '../context.js';
import { type CommonOptions, withCommon } from '../options.js';
import { CliError, printResult } from '../output.js';
import { loadOwnSignerAccount } from '../signer.js';

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
  withCommon(
    command
      .command('send')
      .description('Sign a command as the consent recipient and send it to the device through the gateway; prints the command id')
      .argument('<device>', 'the device id', parseAddressArg('<device>'))
      .argument('<command>', `one of ${commandCatalogue.join(', ')}`, parseChoiceArg('<command>', commandCatalogue))
      .requiredOption('--consent <id>', 'the consent that covers the command', parseIdArg('--consent'))
      .option(
        '--args <hex>',
        `command arguments (hex, at most ${MAX_COMMAND_ARGS_BYTES} bytes)`,
        parseHexBytesArg('--args', { maxBytes: MAX_COMMAND_ARGS_BYTES }),
      )
      .option(
        '--ttl <seconds>',
        `the command expires this long after signing (at most ${MAX_COMMAND_LIFETIME_SECONDS})`,
        parseIntegerArg('--ttl', 1, MAX_COMMAND_LIFETIME_SECONDS),
        120,
      )
      .option('--gateway <url>', 'gateway URL (default: deployment.json gatewayUrl)', parseUrlArg('--gateway')),
    { signer: "the recipient's key (keystore v3); required" },
  ).action(
    async (device: Address, name: CommandName, options: CommonOptions & { consent: bigint; args?: Hex; ttl: number; gateway?: string }) => {
      const context = loadContext(options);
      const consentRegistry = requireContract(context.deployment, 'consentRegistry');
      const account = await loadOwnSignerAccount(options.signerKey, 'recipient');
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
