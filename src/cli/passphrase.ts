import { createInterface } from 'node:readline';
import { CliError } from './output.js';

export const PASSPHRASE_ENV = 'PYTHIA_PASSPHRASE';

/**
 * The passphrase that encrypts the role keys: from $PYTHIA_PASSPHRASE, else asked on the
 * terminal. There is no default: a missing passphrase is an error, not a weak key.
 */
export async function resolvePassphrase(purpose: string): Promise<string> {
  const fromEnv = process.env[PASSPHRASE_ENV];
  if (fromEnv !== undefined) {
    if (fromEnv.length < 8) throw new CliError(`${PASSPHRASE_ENV} must be at least 8 characters`);
    return fromEnv;
  }
  if (!process.stdin.isTTY) {
    throw new CliError(`${purpose}: set ${PASSPHRASE_ENV} (no terminal to ask for the key passphrase)`);
  }
  const answer = await askHidden(`Passphrase for the Pythia keys (${purpose}): `);
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
