// Writes the C SDK's test vectors (sdk-c/test/vectors.json and vectors.h) from the TypeScript SDK's own code.
// Run it after a protocol change: `node --import tsx scripts/write-sdk-vectors.ts`; src/sdk/cVectors.test.ts fails until you do.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cVectorsHeader, cVectorsJson, makeCVectors } from '../src/sdk/cVectors.js';

const vectors = await makeCVectors();
const dir = fileURLToPath(new URL('../sdk-c/test/', import.meta.url));
writeFileSync(`${dir}vectors.json`, cVectorsJson(vectors));
writeFileSync(`${dir}vectors.h`, cVectorsHeader(vectors));
console.log(`wrote ${dir}vectors.json and vectors.h (${vectors.answers.length} answers, ${vectors.firmware.length} firmware checks)`);
