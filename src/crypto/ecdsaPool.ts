import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export type EcdsaPoolOptions = {
  /** Worker threads; default one per core beyond the first, at most 4. 0 = run inline (no threads). */
  threads?: number;
  /** 32-byte secp256k1 key the pool signs with (kept in the worker threads only). */
  signingKey?: Uint8Array;
};

type Job = ['verify', Uint8Array, Uint8Array, Uint8Array] | ['sign', Uint8Array];
type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };
type Lane = { worker: Worker; batches: Map<number, Pending[]>; inFlight: number };

export const defaultEcdsaThreads = (): number => Math.min(4, Math.max(1, availableParallelism() - 1));

/**
 * secp256k1 verification and signing (libsecp256k1) on worker threads, so that a gateway's event
 * loop spends its time on I/O. Jobs queued within one turn of the event loop travel to a thread
 * as one message, so a busy gateway pays one message round trip per batch, not per signature.
 */
export class EcdsaPool {
  private readonly lanes: Lane[] = [];
  private queued: { job: Job; pending: Pending }[] = [];
  private flushScheduled = false;
  private nextBatchId = 1;
  private closed = false;

  constructor(options: EcdsaPoolOptions = {}) {
    const threads = options.threads ?? defaultEcdsaThreads();
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new RangeError(`threads must be 1..64, got ${threads}`);
    if (options.signingKey && options.signingKey.length !== 32) throw new RangeError('signingKey must be 32 bytes');
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(new URL('./ecdsaWorker.mjs', import.meta.url), {
        workerData: { signingKey: options.signingKey },
      });
      const lane: Lane = { worker, batches: new Map(), inFlight: 0 };
      worker.on('message', ({ id, results }: { id: number; results: unknown[] }) => {
        const batch = lane.batches.get(id);
        if (!batch) return;
        lane.batches.delete(id);
        lane.inFlight -= batch.length;
        if (lane.inFlight === 0) worker.unref();
        batch.forEach((pending, i) => {
          const result = results[i];
          if (result instanceof Error) pending.reject(result);
          else pending.resolve(result);
        });
      });
      worker.on('error', (error) => this.failLane(lane, error));
      worker.on('exit', (code) => this.failLane(lane, new Error(`ECDSA worker exited with code ${code}`)));
      worker.unref();
      this.lanes.push(lane);
    }
  }

  /** Whether `signature` (64 bytes r ‖ s) over `digest` verifies against `publicKey` (33 or 65 bytes). */
  verify(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
    return this.submit(['verify', signature, digest, publicKey]) as Promise<boolean>;
  }

  /** 64-byte r ‖ s (low s, RFC 6979) over a 32-byte digest, with the pool's signing key. */
  sign(digest: Uint8Array): Promise<Uint8Array> {
    return this.submit(['sign', digest]) as Promise<Uint8Array>;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.lanes.map((lane) => lane.worker.terminate()));
  }

  private submit(job: Job): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the ECDSA pool is closed'));
    return new Promise((resolve, reject) => {
      this.queued.push({ job, pending: { resolve, reject } });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Sends what was queued, split evenly over the threads with the least work in flight. */
  private flush(): void {
    this.flushScheduled = false;
    const queued = this.queued;
    this.queued = [];
    const lanes = this.lanes.filter((lane) => lane.worker.threadId !== -1).sort((a, b) => a.inFlight - b.inFlight);
    if (lanes.length === 0) {
      for (const { pending } of queued) pending.reject(new Error('no ECDSA worker is running'));
      return;
    }
    const share = Math.ceil(queued.length / lanes.length);
    for (let i = 0, lane = 0; i < queued.length; i += share, lane++) {
      const part = queued.slice(i, i + share);
      const target = lanes[lane]!;
      const id = this.nextBatchId++;
      target.batches.set(
        id,
        part.map((q) => q.pending),
      );
      // Referenced only while it owes answers: an idle pool never keeps the process alive.
      if (target.inFlight === 0) target.worker.ref();
      target.inFlight += part.length;
      target.worker.postMessage({ id, jobs: part.map((q) => q.job) });
    }
  }

  private failLane(lane: Lane, error: Error): void {
    for (const batch of lane.batches.values()) for (const pending of batch) pending.reject(error);
    lane.batches.clear();
    lane.inFlight = 0;
  }
}
