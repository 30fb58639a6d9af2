#!/usr/bin/env node
// Runs the forge binary from node_modules offline, with solc-js standing in for the native
// compiler (forge cannot download one here). Arguments pass through:
//   node scripts/forge.mjs test -vv --match-test Gas
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// The platform binary itself, not the npm wrapper in node_modules/.bin: the wrapper does not pass
// forge's exit code on, so a failing test run would look green.
const forge = forgeBinary();
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

function forgeBinary() {
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch] ?? process.arch;
  const name = process.platform === 'win32' ? 'forge.exe' : 'forge';
  try {
    const binary = createRequire(import.meta.url).resolve(`@foundry-rs/forge-${process.platform}-${arch}/bin/${name}`);
    if (existsSync(binary)) return binary;
  } catch {}
  throw new Error(`no forge binary for ${process.platform}-${arch} in node_modules/@foundry-rs (run npm install)`);
}
