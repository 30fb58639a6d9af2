import { readFileSync, statSync } from 'node:fs';
import { CliError } from './output.js';

export const MQTT_PASSWORD_ENV = 'PYTHIA_MQTT_PASSWORD';

export type ReadSecretParameters = {
  /** What the secret is for, in messages ("the MQTT password"). */
  what: string;
  /** The file the option names (--mqtt-password-file): its first line is the secret. */
  file?: string;
  /** The environment variable read when no file is given. */
  env: string;
};

/**
 * A secret from a file or an environment variable, never from argv (the process list shows every
 * argument to every local user; docs/security.md, "Host"). A file others can read is refused, as
 * ssh refuses such a key: the secret would already be out.
 */
export function readSecret({ what, file, env }: ReadSecretParameters): string | undefined {
  if (file !== undefined) {
    let mode: number;
    let text: string;
    try {
      mode = statSync(file).mode & 0o777;
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${what} from ${file}: ${(error as Error).message}`, 2);
    }
    if ((mode & 0o077) !== 0) {
      throw new CliError(`${file} holds ${what} and is mode ${mode.toString(8)}: other users can read it; chmod 600 it`, 2);
    }
    const secret = text.split(/\r?\n/)[0] ?? '';
    if (secret.length === 0) throw new CliError(`${file} is empty: its first line must be ${what}`, 2);
    return secret;
  }
  const fromEnv = process.env[env];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}
