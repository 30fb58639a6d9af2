import { Worker } from 'node:worker_threads';

export type PostClientJob = { url: string; contentType: string; expectStatus: number } & (
  | { bodies: Uint8Array[]; concurrency: number }
  /** One connection per queue, each body sent no earlier than `at` ms after the start. */
  | { queues: { at: number; body: string }[][] }
);

/** Runs bench/postClient.mjs (the load generator) in a worker thread and waits for its figures. */
export function runPostClient(job: PostClientJob) {
  return new Promise<{ elapsedMs: number; latencies: number[]; size: number }>((resolve, reject) => {
    const worker = new Worker(new URL('./postClient.mjs', import.meta.url), { workerData: job });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`load generator exited with ${code}`)));
  });
}
