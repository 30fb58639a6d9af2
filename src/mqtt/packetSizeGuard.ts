import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/**
 * Wraps a broker connection so no MQTT packet over `maxPacketBytes` (fixed header included) is
 * ever buffered: the guard reads each packet's fixed header as bytes arrive and closes the
 * connection as soon as a header announces a larger packet (MQTT 3.1.1 has no reason code for
 * it; MQTT 5 brokers close with 0x95 Packet too large). aedes has no such limit of its own.
 */
export function guardPacketSize(socket: Socket, maxPacketBytes: number, onTooLarge: (announced: number) => void): Duplex {
  let skip = 0; // body bytes of the current packet still to pass
  let inHeader = false; // reading the remaining-length varint
  let length = 0;
  let multiplier = 1;
  let varintBytes = 0;

  const tooLarge = (chunk: Buffer): number | undefined => {
    let i = 0;
    while (i < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - i);
        skip -= n;
        i += n;
        continue;
      }
      const byte = chunk[i++]!;
      if (!inHeader) {
        inHeader = true;
        length = 0;
        multiplier = 1;
        varintBytes = 0;
        continue;
      }
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      varintBytes += 1;
      if (byte & 0x80) {
        if (varintBytes >= 4) return Number.POSITIVE_INFINITY; // malformed remaining length
        continue;
      }
      inHeader = false;
      const total = 1 + varintBytes + length;
      if (total > maxPacketBytes) return total;
      skip = length;
    }
    return undefined;
  };

  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk, encoding, callback) {
      if (socket.destroyed) return callback();
      socket.write(chunk, encoding, (error) => callback(error ?? null));
    },
    final(callback) {
      socket.end(() => callback());
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  socket.on('data', (chunk: Buffer) => {
    const announced = tooLarge(chunk);
    if (announced !== undefined) {
      onTooLarge(announced);
      socket.destroy();
      return;
    }
    if (!duplex.push(chunk)) socket.pause();
  });
  socket.on('end', () => duplex.push(null));
  socket.on('close', () => duplex.destroy());
  socket.on('error', () => duplex.destroy());
  return duplex;
}
