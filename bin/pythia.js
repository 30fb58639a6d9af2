#!/usr/bin/env node
// The `pythia` command. It runs the JavaScript that `npm install` compiled from src/ into build/
// (scripts/build-cli.mjs), so that no command waits for a TypeScript compiler.
let main;
try {
  ({ main } = await import('../build/cli/main.js'));
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('build/cli/main.js')) throw error;
  process.stderr.write('error: the pythia command is not built; run `npm install` (or `npm run build`) in the project folder\n');
  process.exit(2);
}
process.exitCode = await main(process.argv);
