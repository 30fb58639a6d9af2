// The thread side of EcdsaPool (ecdsaPool.ts): plain JavaScript so that it loads without the
// TypeScript loader. Receives batches of jobs, answers each batch with one message.
//   ['verify', signature64, digest32, publicKey65] → boolean
//   ['sign', digest32]                              → 64-byte r ‖ s (low s, RFC 6979) with the pool's key
import { parentPort, workerData } from 'node:worker_threads';
import secp256k1 from 'secp256k1';

const secret = workerData?.signingKey ? Buffer.from(workerData.signingKey) : undefined;

function run(job) {
  try {
    if (job[0] === 'verify') return secp256k1.ecdsaVerify(job[1], job[2], job[3]);
    if (job[0] === 'sign') {
      if (!secret) return new Error('this pool has no signing key');
      return secp256k1.ecdsaSign(job[1], secret).signature;
    }
    return new Error(`unknown job ${job[0]}`);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

parentPort.on('message', ({ id, jobs }) => {
  parentPort.postMessage({ id, results: jobs.map(run) });
});
