import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../core/httpErrors.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * The onRequest hook of the console's routes: `Authorization: Bearer <console token>`, compared in
 * constant time (of the hashes, so that the length leaks nothing either), before anything else.
 */
export function consoleTokenGuard(token: string) {
  const expected = sha256(token);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    const given = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (given === undefined || !timingSafeEqual(sha256(given), expected)) {
      return sendError(reply, 'console_token_required', 'send Authorization: Bearer <console token> (<data dir>/console-token)');
    }
  };
}
