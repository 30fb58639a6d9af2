#!/usr/bin/env node
// A stand-in for the native `solc` binary, built on solc-js, so that forge can compile offline:
//   forge build --offline --use /abs/path/scripts/solc-forge.mjs
// It answers `--version` like the real compiler and implements `--standard-json` (input on
// stdin, output on stdout). Imports that forge did not inline are read from disk relative to
// --base-path / --include-path (or the working directory), @openzeppelin/ from node_modules.
// Output is written with process.stdout.write and the process ends on its own: an early
// process.exit() would truncate large outputs on a pipe.
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const solc = require('solc');

const args = process.argv.slice(2);
const solcVersion = solc.version(); // e.g. 0.8.30+commit.73712a01.Emscripten.clang

if (args.includes('--version') || args.includes('-v')) {
  const v = solcVersion.replace(/\.Emscripten\.clang$/, '.Linux.g++');
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${v}\n`);
} else if (args.includes('--standard-json')) {
  const searchPaths = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--base-path' || args[i] === '--include-path') searchPaths.push(args[++i]);
    else if (args[i].startsWith('--base-path=') || args[i].startsWith('--include-path=')) searchPaths.push(args[i].split('=')[1]);
  }
  searchPaths.push(process.cwd(), root, join(root, 'node_modules'));

  const findImports = (path) => {
    const candidates = isAbsolute(path) ? [path] : searchPaths.map((p) => join(p, path));
    for (const file of candidates) {
      if (existsSync(file)) return { contents: readFileSync(file, 'utf8') };
    }
    return { error: `File not found: ${path} (searched ${searchPaths.join(', ')})` };
  };

  const chunks = [];
  process.stdin.on('data', (c) => chunks.push(c));
  process.stdin.on('end', () => {
    const input = Buffer.concat(chunks).toString('utf8');
    const output = solc.compile(input, { import: findImports });
    process.stdout.write(output);
  });
} else {
  process.stderr.write('solc-forge: only --version and --standard-json are supported (solc-js ' + solcVersion + ')\n');
  process.exitCode = 1;
}
