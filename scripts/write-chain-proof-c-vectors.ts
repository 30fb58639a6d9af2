// Writes sdk-c/test/chain_vectors.h from sdk-c/test/chain_proof_vectors.json with the TypeScript SDK's verdicts
// (src/sdk/chainProof/chainProofCVectors.ts). Run it after write-chain-proof-vectors.ts or a change of the checks;
// src/sdk/chainProof/chainProofCVectors.test.ts fails until you do.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  chainProofCHeader,
  makeChainAnswerCCases,
  makeChainProofCCases,
  readChainProofVectors,
} from '../src/sdk/chainProof/chainProofCVectors.js';

const vectors = readChainProofVectors();
const cases = await makeChainProofCCases(vectors);
const answers = await makeChainAnswerCCases(vectors);
const out = fileURLToPath(new URL('../sdk-c/test/chain_vectors.h', import.meta.url));
writeFileSync(out, chainProofCHeader(vectors, cases, answers));
console.log(`wrote ${out} (${cases.length} cases, ${answers.length} answers)`);
