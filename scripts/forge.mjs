#!/usr/bin/env node
// Runs the forge binary from node_modules offline, with solc-js standing in for the native
// compiler (forge cannot download one here). Arguments pass through:
//   node scripts/forge.mjs test -vv --match-test Gas
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const forge = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'forge.cmd' : 'forge');
const solc = join(root, 'scripts', 'solc-forge.mjs');

const [command = 'build', ...rest] = process.argv.slice(2);
const compiles = ['build', 'test', 'snapshot', 'coverage', 'inspect', 'script', 'create'].includes(command);
const args = [command, ...(compiles ? ['--offline', '--use', solc] : []), ...rest];

// Keep foundry's per-user state (signature and rpc caches) out of $HOME/.foundry: forge puts it
// under $HOME/.foundry whatever FOUNDRY_DIR says, so HOME points into contracts/cache (gitignored).
const foundryHome = join(root, 'contracts', 'cache', 'foundry-home');
mkdirSync(foundryHome, { recursive: true });

const child = spawn(forge, args, {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, HOME: foundryHome, FOUNDRY_DIR: foundryHome },
});
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exitCode = code ?? 1;
});
