// Writes the generated reference documents: docs/abi.md from the compiled ABIs (src/contracts/abis.ts)
// docs/deployment.schema.json from the deployment schema and docs/cli.md from the --json output schemas. `npm run docs:abi`; build-contracts runs it too.
import { writeFileSync } from 'node:fs';
import { deploymentJsonSchema } from '../src/chain/deploymentSchema.js';
import { abiReferenceMarkdown } from '../src/protocol/abiReference.js';
import { jsonOutputMarkdown } from '../src/cli/jsonOutputSchemas.js';

writeFileSync(new URL('../docs/abi.md', import.meta.url), abiReferenceMarkdown());
writeFileSync(new URL('../docs/deployment.schema.json', import.meta.url), `${JSON.stringify(deploymentJsonSchema, null, 2)}\n`);
writeFileSync(new URL('../docs/cli.md', import.meta.url), jsonOutputMarkdown());
console.log('wrote docs/abi.md, docs/deployment.schema.json and docs/cli.md');
