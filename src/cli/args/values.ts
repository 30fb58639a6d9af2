import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../output.js';
import { isHex, type Hex } from 'viem';
import { quoteInput } from '../../protocol/quoteInput.js';

/**
 * The other values the CLI takes: free text with a byte bound (reasons, purposes, URIs), hex
 * bytes and public keys, URLs, and names from a fixed list.
 */

/** Text of 1 to `maxBytes` UTF-8 bytes that is not only blanks (reasons and purposes recorded on chain). */
export function parseText(name: string, value: string, maxBytes: number): string {
  if (value.trim().length === 0 || Buffer.byteLength(value) > maxBytes)
    throw new InvalidArgumentError(`${name} must be 1 to ${maxBytes} bytes`);
  return value;
}

export const parseTextArg =
  (name: string, maxBytes: number) =>
  (value: string): string =>
    parseText(name, value, maxBytes);

/** Hex bytes, 0x optional, lowercased; `bytes` fixes the length. */
export function parseHexBytes(name: string, value: string, { bytes, maxBytes }: { bytes?: number; maxBytes?: number } = {}): Hex {
  const hex = (value.startsWith('0x') ? value : `0x${value}`).toLowerCase();
  const length = (hex.length - 2) / 2;
  if (!isHex(hex) || hex.length % 2 !== 0 || (bytes !== undefined && length !== bytes) || (maxBytes !== undefined && length > maxBytes)) {
    const size = bytes !== undefined ? `${bytes} bytes` : maxBytes !== undefined ? `at most ${maxBytes} bytes` : 'bytes';
    throw new InvalidArgumentError(`${name} must be ${size} of hex, got ${quoteInput(value)}`);
  }
  return hex as Hex;
}

export const parseHexBytesArg =
  (name: string, options: { bytes?: number; maxBytes?: number } = {}) =>
  (value: string): Hex =>
    parseHexBytes(name, value, options);

/** A secp256k1 public key: 64 bytes X ‖ Y or 65 bytes 04 ‖ X ‖ Y, hex; returned as X ‖ Y. */
export function parsePublicKey(name: string, value: string): Hex {
  const hex = value.startsWith('0x') ? value : `0x${value}`;
  if (!isHex(hex) || (hex.length !== 130 && !(hex.length === 132 && hex.startsWith('0x04')))) {
    throw new InvalidArgumentError(`${name}: public key must be 64 bytes (X ‖ Y) or 65 bytes uncompressed (04 ‖ X ‖ Y), hex`);
  }
  return hex.length === 132 ? `0x${hex.slice(4)}` : (hex as Hex);
}

export const parsePublicKeyArg =
  (name: string) =>
  (value: string): Hex =>
    parsePublicKey(name, value);

/** A URL with one of `protocols` (default http and https); a trailing slash is dropped. */
export function parseUrl(name: string, value: string, protocols: readonly string[] = ['http:', 'https:']): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`${name} is not a URL: ${quoteInput(value)}`);
  }
  if (url.password) {
    // Not an InvalidArgumentError: commander would quote the argument, password and all. On argv
    // every local user reads it in the process list.
    throw new UsageError(
      `${name} carries a password (${url.protocol}//${url.username}:…@${url.host}): arguments are visible to every user of the machine in the process list. Give the URL without it and the password from a file or an environment variable (pythia up --help)`,
    );
  }
  if (!protocols.includes(url.protocol)) {
    throw new InvalidArgumentError(`${name} must be a ${protocols.map((p) => `${p}//`).join(', ')} URL, got ${quoteInput(value)}`);
  }
  return value.replace(/\/$/, '');
}

export const parseUrlArg =
  (name: string, protocols?: readonly string[]) =>
  (value: string): string =>
    parseUrl(name, value, protocols);

/**
 * A chain endpoint (chainTransport.ts): an http(s) URL, or the path of a node's IPC socket (made
 * absolute; it must exist and be a socket, e.g. a local geth's `data/geth.ipc`).
 */
export function parseChainEndpoint(name: string, value: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) return parseUrl(name, value);
  const path = resolve(value);
  let socket = false;
  try {
    socket = statSync(path).isSocket();
  } catch (error) {
    throw new InvalidArgumentError(
      `${name} must be an http(s) URL or the path of an IPC socket; ${quoteInput(value)} ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as Error).message})`}`,
    );
  }
  if (!socket)
    throw new InvalidArgumentError(`${name} must be an http(s) URL or the path of an IPC socket; ${quoteInput(value)} is not a socket`);
  return path;
}

export const parseChainEndpointArg =
  (name: string) =>
  (value: string): string =>
    parseChainEndpoint(name, value);

/** One name of a fixed list (case-insensitive). */
export function parseChoice<const T extends string>(name: string, value: string, choices: readonly T[]): T {
  const chosen = choices.find((choice) => choice.toLowerCase() === value.trim().toLowerCase());
  if (chosen === undefined) throw new InvalidArgumentError(`${name} must be ${choices.join(' or ')}, got ${quoteInput(value)}`);
  return chosen;
}

export const parseChoiceArg =
  <const T extends string>(name: string, choices: readonly T[]) =>
  (value: string): T =>
    parseChoice(name, value, choices);

/** A repeatable option: each occurrence parsed, all kept in order. */
export const collect =
  <T>(parse: (value: string) => T) =>
  (value: string, previous: T[] = []): T[] => [...previous, parse(value)];

/** A repeatable option of plain strings (file paths). */
export const collectText = collect((value: string) => value);
