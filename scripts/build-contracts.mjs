#!/usr/bin/env node
// Compiles contracts/src with solc-js (standard JSON; Paris (London + the merge opcodes, no PUSH0); optimizer as in foundry.toml) and writes
//   contracts/out/<Name>.json   { contractName, sourceName, abi, bytecode, deployedBytecode } (gitignored)
//   src/contracts/abis.ts       `export const <name>Abi = [...] as const;` and `<name>Bytecode`
//                                for every deployable contract (committed; viem infers types from it)
// Fails loudly on any solc error. Skips the compile when the sources and settings hash to the
// same value as the last run (contracts/cache/build.json); pass --force to rebuild anyway.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'contracts', 'src');
const outDir = join(root, 'contracts', 'out');
const cacheFile = join(root, 'contracts', 'cache', 'build.json');
const abisFile = join(root, 'src', 'contracts', 'abis.ts');
const force = process.argv.includes('--force');

/** Keep in line with foundry.toml (which says why Paris and OpenZeppelin 5.4). */
const settings = {
  evmVersion: 'paris',
  optimizer: { enabled: true, runs: 1_000_000 },
  viaIR: true,
  metadata: { bytecodeHash: 'none' },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : name.endsWith('.sol') ? [path] : [];
  });

const toKey = (path) => relative(root, path).split(sep).join('/');
const sources = Object.fromEntries(
  walk(srcDir)
    .sort()
    .map((p) => [toKey(p), { content: readFileSync(p, 'utf8') }]),
);

// Imports: "@openzeppelin/..." from node_modules, anything else relative to the repository root.
const resolveImport = (path) => {
  const file = path.startsWith('@') ? join(root, 'node_modules', path) : join(root, path);
  if (!existsSync(file)) return { error: `File not found: ${path}` };
  return { contents: readFileSync(file, 'utf8') };
};

const solc = require('solc');
const hash = createHash('sha256')
  .update(solc.version())
  .update(JSON.stringify(settings))
  .update(JSON.stringify(sources))
  .update(readFileSync(join(root, 'node_modules', '@openzeppelin', 'contracts', 'package.json')))
  .digest('hex');

const cached = existsSync(cacheFile) ? JSON.parse(readFileSync(cacheFile, 'utf8')) : {};
if (!force && cached.hash === hash && existsSync(abisFile) && existsSync(outDir)) {
  console.log(`contracts up to date (${Object.keys(sources).length} sources, solc ${solc.version()})`);
  process.exit(0);
}

const started = Date.now();
const input = { language: 'Solidity', sources, settings };
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: resolveImport }));
const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
for (const e of output.errors ?? []) {
  if (e.severity !== 'error') console.warn(e.formattedMessage ?? e.message);
}
if (errors.length > 0) {
  for (const e of errors) console.error(e.formattedMessage ?? e.message);
  console.error(`\nbuild-contracts: ${errors.length} solc error(s), nothing written`);
  process.exit(1);
}

mkdirSync(outDir, { recursive: true });
const deployables = [];
for (const [sourceName, contracts] of Object.entries(output.contracts ?? {})) {
  if (!sourceName.startsWith('contracts/src/')) continue;
  for (const [contractName, c] of Object.entries(contracts)) {
    const bytecode = c.evm?.bytecode?.object ?? '';
    const artifact = {
      contractName,
      sourceName,
      abi: c.abi,
      bytecode: `0x${bytecode}`,
      deployedBytecode: `0x${c.evm?.deployedBytecode?.object ?? ''}`,
    };
    writeFileSync(join(outDir, `${contractName}.json`), JSON.stringify(artifact, null, 2) + '\n');
    // Deployable = has creation code (abstract contracts, interfaces and libraries without code do not).
    if (bytecode.length > 0 && !sourceName.includes('/libraries/')) deployables.push(artifact);
  }
}
if (deployables.length === 0) {
  console.error('build-contracts: no deployable contract found');
  process.exit(1);
}

// EIP-170: a deployed contract's runtime code may be at most 24,576 bytes.
const EIP170_LIMIT = 24_576;
let oversized = false;
for (const a of deployables) {
  const size = (a.deployedBytecode.length - 2) / 2;
  console.log(`  ${a.contractName.padEnd(16)} runtime ${String(size).padStart(6)} bytes (EIP-170 limit ${EIP170_LIMIT})`);
  if (size > EIP170_LIMIT) oversized = true;
}
if (oversized) {
  console.error(
    'build-contracts: a contract exceeds the EIP-170 size limit and cannot be deployed; nothing written to src/contracts/abis.ts',
  );
  process.exit(1);
}
const camel = (name) => name[0].toLowerCase() + name.slice(1);
const lines = [
  '// Generated by scripts/build-contracts.mjs from contracts/src — do not edit by hand.',
  `// solc ${solc.version()}, evm ${settings.evmVersion}, optimizer runs ${settings.optimizer.runs}.`,
  '',
];
for (const a of deployables.sort((x, y) => x.contractName.localeCompare(y.contractName))) {
  const size = (a.deployedBytecode.length - 2) / 2;
  lines.push(`/** ABI of ${a.contractName} (${a.sourceName}). */`);
  lines.push(`export const ${camel(a.contractName)}Abi = ${JSON.stringify(a.abi, null, 2)} as const;`, '');
  lines.push(`/** Creation bytecode of ${a.contractName} (runtime size ${size} bytes). */`);
  lines.push(`export const ${camel(a.contractName)}Bytecode = '${a.bytecode}' as const;`, '');
}
mkdirSync(dirname(abisFile), { recursive: true });
writeFileSync(abisFile, lines.join('\n'));
mkdirSync(dirname(cacheFile), { recursive: true });
writeFileSync(cacheFile, JSON.stringify({ hash, builtAt: new Date().toISOString() }) + '\n');
// docs/abi.md is generated from abis.ts: keep it in step (src/protocol/abiReference.test.ts checks it).
const docs = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'write-abi-doc.ts')], { cwd: root, stdio: 'inherit' });
if (docs.status !== 0) {
  console.error('build-contracts: could not write docs/abi.md');
  process.exit(1);
}
console.log(
  `compiled ${Object.keys(sources).length} sources in ${Date.now() - started} ms; ` +
    `wrote ${deployables.map((a) => a.contractName).join(', ')} to contracts/out and src/contracts/abis.ts`,
);
