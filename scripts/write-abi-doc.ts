// Writes docs/abi.md from the compiled ABIs (src/contracts/abis.ts). `npm run docs:abi`; build-contracts runs it too.
import { writeFileSync } from 'node:fs';
import { abiReferenceMarkdown } from '../src/protocol/abiReference.js';

const target = new URL('../docs/abi.md', import.meta.url);
writeFileSync(target, abiReferenceMarkdown());
console.log('wrote docs/abi.md');
