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

/**
 * Either `bodies` (each posted once; `concurrency` connections, each taking the next body) or
 * `queues` (one connection per queue, its bodies in order, each sent no earlier than its `at` ms
 * after the start: a paced load in which a device keeps to one queue, so its readings arrive in
 * order).
 */
const { url, bodies, queues, contentType, concurrency, expectStatus } = workerData;
const started = performance.now();
const target = new URL(url);
const head = (length) =>
  Buffer.from(
    `POST ${target.pathname} HTTP/1.1\r\nhost: ${target.host}\r\ncontent-type: ${contentType}\r\naccept: ${contentType}\r\ncontent-length: ${length}\r\n\r\n`,
  );

/** One connection: sends a request (when it is due), waits for its whole response, sends the next. */
function connection(take, onResponse) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
    let buffer = Buffer.alloc(0);
    let sentAt = 0;
    const send = (body) => {
      sentAt = performance.now();
      socket.write(Buffer.concat([head(body.length), body]));
    };
    const sendNext = () => {
      const next = take();
      if (next === undefined) {
        socket.end();
        return resolve();
      }
      const wait = next.at - (performance.now() - started);
      if (wait > 0) setTimeout(() => send(next.body), wait);
      else send(next.body);
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
const onResponse = (latency, length) => {
  latencies.push(latency);
  size = length;
};
if (queues) {
  await Promise.all(
    queues.map((queue) => {
      let next = 0;
      return connection(
        () => (next < queue.length ? { at: queue[next].at, body: Buffer.from(queue[next++].body) } : undefined),
        onResponse,
      );
    }),
  );
} else {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, () =>
      connection(() => (next < bodies.length ? { at: 0, body: Buffer.from(bodies[next++]) } : undefined), onResponse),
    ),
  );
}
parentPort.postMessage({ elapsedMs: performance.now() - started, latencies, size });
