import type { Command } from 'commander';
import { DEFAULT_DATA_DIR } from './context.js';

/** The options most commands share: where the node's data is, JSON output, and who signs. */
export type CommonOptions = { dataDir?: string; json?: boolean; signerKey?: string };

export type WithCommonParameters = {
  /** Adds --signer-key <keystore> with this help text (who signs instead of the node's role key). */
  signer?: string;
  /** The --data-dir help text; false for a command that reads no data directory. */
  dataDir?: string | false;
  /** The --json help text. */
  json?: string;
};

/**
 * Declares the common options of a command, once for the whole CLI: `--data-dir`, `--json` and,
 * for commands that send transactions as someone, `--signer-key`.
 */
export function withCommon(command: Command, parameters: WithCommonParameters = {}): Command {
  const { signer, dataDir = `Pythia data directory (default ./${DEFAULT_DATA_DIR})`, json = 'machine-readable output' } = parameters;
  if (signer) command.option('--signer-key <keystore>', signer);
  if (dataDir !== false) command.option('--data-dir <dir>', dataDir);
  return command.option('--json', json);
}
