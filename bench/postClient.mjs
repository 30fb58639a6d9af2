/**
 * The benchmark's load generator, run in a worker thread. Posts each body once over `concurrency`
 * keep-alive connections (one request in flight per connection) and reports each request's
 * latency and the last response size. It writes pre-built HTTP/1.1 requests to raw sockets and
 * reads responses by Content-Length, because on a two-core machine the load generator shares
 * the CPU with the gateway it measures: node:http's client costs about as much per request as
 * the server does, so a heavier client would measure the client.
 */
import { connect } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

const { url, bodies, contentType, concurrency, expectStatus } = workerData;
const target = new URL(url);
const head = (length) =>
  Buffer.from(
    `POST ${target.pathname} HTTP/1.1\r\nhost: ${target.host}\r\ncontent-type: ${contentType}\r\naccept: ${contentType}\r\ncontent-length: ${length}\r\n\r\n`,
  );

/** One connection: sends a request, waits for its whole response, sends the next. */
function connection(take, onResponse) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
    let buffer = Buffer.alloc(0);
    let sentAt = 0;
    const sendNext = () => {
      const body = take();
      if (body === undefined) {
        socket.end();
        return resolve();
      }
      sentAt = performance.now();
      socket.write(Buffer.concat([head(body.length), body]));
    };
    socket.on('connect', sendNext);
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      const headers = buffer.subarray(0, end).toString('latin1');
      const status = Number(headers.slice(9, 12));
      const match = /\r\ncontent-length: *(\d+)/i.exec(headers);
      if (!match) return reject(new Error(`response without content-length: ${headers.slice(0, 200)}`));
      const total = end + 4 + Number(match[1]);
      if (buffer.length < total) return;
      const body = buffer.subarray(end + 4, total);
      buffer = buffer.subarray(total);
      if (status !== expectStatus) return reject(new Error(`gateway answered ${status}: ${body.toString().slice(0, 300)}`));
      onResponse(performance.now() - sentAt, body.length);
      sendNext();
    });
  });
}

const latencies = [];
let size = 0;
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, () =>
    connection(
      () => (next < bodies.length ? Buffer.from(bodies[next++]) : undefined),
      (latency, length) => {
        latencies.push(latency);
        size = length;
      },
    ),
  ),
);
parentPort.postMessage({ elapsedMs: performance.now() - started, latencies, size });
