import { createInterface } from 'node:readline';
import { CliError, UsageError } from './output.js';

export type ConfirmOptions = { yes?: boolean };

/**
 * Asks before an irreversible action (a ban for good): `--yes` answers in advance; on a terminal
 * the user types "yes"; without a terminal and without --yes the command stops with exit code 2,
 * before anything is sent.
 */
export async function confirmIrreversible(options: ConfirmOptions, what: string): Promise<void> {
  if (options.yes) return;
  if (!process.stdin.isTTY) throw new UsageError(`${what} cannot be undone: run the command again with --yes to confirm`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await new Promise<string>((resolve) => rl.question(`${what} cannot be undone. Type "yes" to go on: `, resolve));
  rl.close();
  if (answer.trim().toLowerCase() !== 'yes') throw new CliError('not confirmed: nothing was sent');
}

/** The --yes option of a command that asks for confirmation. */
export const YES_OPTION = ['--yes', 'confirm the irreversible action without asking (needed without a terminal)'] as const;
