import { createInterface } from 'node:readline';
import { CliError } from './output.js';

/**
 * Whose keys a passphrase opens. Keys that live in different places have different passphrases,
 * each from its own environment variable or the terminal (docs/operations.md, "Keys"):
 * - `node`: the node's role keys in <data-dir>/keys (and its validator's key), $PYTHIA_PASSPHRASE;
 * - `personal`: a person's or an organisation's own key file (`pythia key new`: an owner, a
 *   manufacturer, a buyer, a release key), given with --signer-key, --manufacturer-key,
 *   --release-key: $PYTHIA_KEY_PASSPHRASE;
 * - `device`: a device's key (`pythia device keygen`), which lives on the device: $PYTHIA_DEVICE_PASSPHRASE.
 */
export type KeyKind = 'node' | 'personal' | 'device';

export const PASSPHRASE_ENV = 'PYTHIA_PASSPHRASE';
export const KEY_PASSPHRASE_ENV = 'PYTHIA_KEY_PASSPHRASE';
export const DEVICE_PASSPHRASE_ENV = 'PYTHIA_DEVICE_PASSPHRASE';

export const passphraseEnvOf: Readonly<Record<KeyKind, string>> = {
  node: PASSPHRASE_ENV,
  personal: KEY_PASSPHRASE_ENV,
  device: DEVICE_PASSPHRASE_ENV,
};

const PROMPT_OF: Readonly<Record<KeyKind, string>> = {
  node: 'Passphrase for the Pythia node keys',
  personal: 'Passphrase for the key file',
  device: 'Passphrase for the device key',
};

/**
 * The passphrase of a kind of key: from its environment variable, else asked on the terminal.
 * There is no default: a missing passphrase is an error, not a weak key.
 */
export async function resolvePassphrase(purpose: string, kind: KeyKind = 'node'): Promise<string> {
  const env = passphraseEnvOf[kind];
  const fromEnv = process.env[env];
  if (fromEnv !== undefined) {
    if (fromEnv.length < 8) throw new CliError(`${env} must be at least 8 characters`);
    return fromEnv;
  }
  if (!process.stdin.isTTY) {
    throw new CliError(`${purpose}: set ${env} (no terminal to ask for the passphrase)`);
  }
  const answer = await askHidden(`${PROMPT_OF[kind]} (${purpose}): `);
  if (answer.length < 8) throw new CliError('the passphrase must be at least 8 characters');
  return answer;
}

function askHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput;
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (s.includes(question)) write.call(rl, s);
    };
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}
