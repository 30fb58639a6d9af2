import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { parseDeployment } from '../../src/chain/deployment.js';
import { documentedCommandOf, jsonErrorOutputError, jsonOutputError } from '../../src/cli/jsonOutputSchemas.js';
import { pythiaBin } from '../../src/testing/pythiaBin.js';

const bin = pythiaBin();

export type PythiaRun = { code: number | null; stdout: string; stderr: string };

/**
 * Runs the `pythia` command as a user would (its own process, no terminal), with one passphrase for
 * every kind of key (the node's role keys, personal key files, device keys: src/cli/passphrase.ts).
 * A successful run with --json must print what docs/cli.md documents for the command (rejects otherwise).
 */
export function runPythia(args: string[], passphrase: string): Promise<PythiaRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, PYTHIA_PASSPHRASE: passphrase, PYTHIA_KEY_PASSPHRASE: passphrase, PYTHIA_DEVICE_PASSPHRASE: passphrase },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => {
      // Every --json output a test reads is checked against docs/cli.md, errors included.
      try {
        if (code === 0 && args.includes('--json') && documentedCommandOf(args) !== undefined)
          assertDocumentedJson(args, JSON.parse(stdout));
        if (code !== 0 && args.includes('--json') && !args.includes('--help')) {
          const printed = JSON.parse(stdout);
          // A check whose answer is "no" (`policy validate`, `consent verify-receipt`) prints its
          // documented result and exits 1; anything else prints the error object.
          if ('error' in printed || documentedCommandOf(args) === undefined) {
            const error = jsonErrorOutputError(printed);
            assert.equal(error, undefined, `pythia ${args.join(' ')}: the --json error does not match docs/cli.md: ${error}\n${stdout}`);
            assert.equal(printed.error.exitCode, code, 'the --json error names the exit code');
          } else assertDocumentedJson(args, printed);
        }
      } catch (error) {
        reject(error);
        return;
      }
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The `pythia` command against one data directory, with the assertions every CLI test makes:
 * `ok` (exit 0), `json` (exit 0, --json output parsed), `refused` (this exit code, stderr matching).
 */
export function pythiaAt(dataDir: string, passphrase: string) {
  const at = (...args: string[]) => [...args, '--data-dir', dataDir];
  const run = (args: string[]) => runPythia(at(...args), passphrase);
  const ok = async (args: string[]): Promise<PythiaRun> => {
    const result = await run(args);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result;
  };
  return {
    at,
    run,
    ok,
    // biome-ignore lint/suspicious/noExplicitAny: JSON output, shaped by each command
    json: async (args: string[]): Promise<any> => JSON.parse((await ok([...args, '--json'])).stdout),
    refused: async (args: string[], code: number, pattern: RegExp): Promise<PythiaRun> => {
      const result = await run(args);
      assert.equal(result.code, code, `${args.join(' ')} should exit ${code}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, pattern, args.join(' '));
      return result;
    },
  };
}

/**
 * Checks a command's --json output against its schema in docs/cli.md (src/cli/jsonOutputSchemas.ts),
 * when the command has one, and returns it.
 */
export function assertDocumentedJson<T>(args: readonly string[], value: T): T {
  const command = documentedCommandOf(args);
  if (command !== undefined) {
    const error = jsonOutputError(command, value);
    assert.equal(error, undefined, `pythia ${command} --json does not match docs/cli.md: ${error}\n${JSON.stringify(value)}`);
  }
  return value;
}

export type RunningUp = { child: ChildProcessWithoutNullStreams; deployment: ReturnType<typeof parseDeployment>; stderr: () => string };

/**
 * Starts `pythia up --json --port 0` (plus `args`) as a user would, and resolves with the deployment
 * it prints once it is up; rejects when it exits first. `env` is added to the environment.
 */
export function startPythiaUp(args: string[], passphrase: string, env: NodeJS.ProcessEnv = {}): Promise<RunningUp> {
  const child = spawn(process.execPath, [bin, 'up', '--json', '--port', '0', ...args], {
    env: { ...process.env, PYTHIA_PASSPHRASE: passphrase, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => {
      stdout += c;
      try {
        resolve({ child, deployment: parseDeployment(JSON.parse(stdout)), stderr: () => stderr });
      } catch {
        // not the whole document yet
      }
    });
    child.on('exit', (code) => reject(new Error(`pythia up exited with ${code}: ${stderr}`)));
  });
}

/** Stops a `pythia up` with SIGTERM, as Ctrl-C would: resolves with its exit code (or the signal that ended it). */
export function stopPythiaUp(child: ChildProcessWithoutNullStreams): Promise<number | string | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code, signal) => resolve(code ?? signal));
    child.kill('SIGTERM');
  });
}

/** Polls `probe` every 200 ms until it returns a value (not undefined); throws after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
