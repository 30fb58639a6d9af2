import type { Hex } from 'viem';
import { splitSignature, toCompact } from '../../protocol/signature.js';
import type { NewReading } from './readingQueue.js';

/** A submitReadings item: the contract takes the signature in EIP-2098 compact form. */
export function signedReadingOf(reading: NewReading) {
  const signature = Buffer.from(reading.signature.buffer, reading.signature.byteOffset, reading.signature.length);
  const { r, vs } = toCompact(splitSignature(`0x${signature.toString('hex')}` as Hex));
  return {
    device: reading.device,
    sequence: reading.sequence,
    timestamp: reading.timestamp,
    payload: reading.payload,
    r,
    vs,
  };
}
