// Writes the generated reference documents: docs/abi.md from the compiled ABIs (src/contracts/abis.ts)
// and docs/deployment.schema.json from the deployment schema. `npm run docs:abi`; build-contracts runs it too.
import { writeFileSync } from 'node:fs';
import { deploymentJsonSchema } from '../src/chain/deploymentSchema.js';
import { abiReferenceMarkdown } from '../src/protocol/abiReference.js';

writeFileSync(new URL('../docs/abi.md', import.meta.url), abiReferenceMarkdown());
writeFileSync(new URL('../docs/deployment.schema.json', import.meta.url), `${JSON.stringify(deploymentJsonSchema, null, 2)}\n`);
console.log('wrote docs/abi.md and docs/deployment.schema.json');
