import { createInterface } from 'node:readline';
import { CliError, UsageError } from './output.js';

export type ConfirmOptions = { yes?: boolean };

/**
 * The commands that ask before they act (docs/cli.md, "Errors and exit codes"), each with what it
 * does that cannot be taken back, as the end of the sentence that asks ("revoking device 0x… bans
 * it for good"). A command that declares --yes is here, and every command here declares it
 * (src/cli/confirm.test.ts).
 */
export const confirmedCommands = {
  'device revoke': 'bans it for good',
  'device revoke-key': 'bans the device for good and deactivates its DID document',
  'pythia revoke': 'makes devices stop trusting it, for good',
  'pythia rotate': 'revokes it for good',
  'pythia revoke-measurement': 'makes every key attested with it untrusted at once (until governance approves the measurement again)',
  'firmware revoke': 'withdraws the release for good and flags every device still running it',
  'consent revoke': 'cannot be undone: the recipient needs a new consent',
  'feed buy': "pays the price and accepts the terms of the feed's policy on chain (your bond is at stake up to its penalty)",
  'feed close': 'stops its sales for good (consents already sold run their period)',
  'canary resolve': 'is final: the held penalty goes to the owner (--uphold) or back to the bond (--reject)',
} as const;

export type ConfirmedCommand = keyof typeof confirmedCommands;

/**
 * Asks before `command` does what it cannot take back (`what`: the action, "revoking device
 * 0x…"): `--yes` answers in advance; on a terminal the user types "yes"; without a terminal and
 * without --yes the command stops with exit code 2, before anything is read or sent.
 */
export async function confirmIrreversible(options: ConfirmOptions, command: ConfirmedCommand, what: string): Promise<void> {
  if (options.yes) return;
  const sentence = `${what} ${confirmedCommands[command]}`;
  if (!process.stdin.isTTY) throw new UsageError(`${sentence}: run the command again with --yes to confirm`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await new Promise<string>((resolve) => rl.question(`${sentence}. Type "yes" to go on: `, resolve));
  rl.close();
  if (answer.trim().toLowerCase() !== 'yes') throw new CliError('not confirmed: nothing was sent');
}

/** The --yes option of a command that asks for confirmation. */
export const YES_OPTION = ['--yes', 'confirm the irreversible action without asking (needed without a terminal)'] as const;
