/**
 * The benchmark's load generator, run in a worker thread so that its HTTP client work is not
 * counted against the gateway's one event loop. Posts each body once, `concurrency` at a time,
 * over keep-alive connections, and reports each request's latency and the last response size.
 */
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { url, bodies, contentType, concurrency, expectStatus } = workerData;
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const target = new URL(url);

function post(body) {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': contentType, accept: contentType, 'content-length': body.length },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const all = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            size: all.length,
            text: res.statusCode === expectStatus ? '' : all.toString().slice(0, 300),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const latencies = [];
let size = 0;
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const sent = performance.now();
      const response = await post(body);
      if (response.status !== expectStatus) throw new Error(`gateway answered ${response.status}: ${response.text}`);
      latencies.push(performance.now() - sent);
      size = response.size;
    }
  }),
);
agent.destroy();
parentPort.postMessage({ elapsedMs: performance.now() - started, latencies, size });
