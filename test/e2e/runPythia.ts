import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/pythia.js', import.meta.url));

export type PythiaRun = { code: number | null; stdout: string; stderr: string };

/** Runs the `pythia` command as a user would (its own process, no terminal), with PYTHIA_PASSPHRASE set. */
export function runPythia(args: string[], passphrase: string): Promise<PythiaRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, PYTHIA_PASSPHRASE: passphrase },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
