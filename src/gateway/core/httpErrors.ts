import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { quoteInput } from '../../protocol/quoteInput.js';
import { rejectionReasons, statusOfReason, type RejectionReason } from '../../protocol/reasons.js';
import { refusalBody, type RefusalItem } from '../../protocol/refusal.js';
import { parseStrictJson, StrictJsonError } from '../../protocol/strictJson.js';
import { ChainUnavailableError } from './deviceDirectory.js';
import { logSecurityEvent, securityEventOf } from './securityEvents.js';
import { reportRefusal } from '../services.js';

/** Every error the gateway answers has this body; `error` is a reason from src/protocol/reasons.ts. */
export const errorResponseJsonSchema = {
  $id: 'Error',
  type: 'object',
  description: 'A refusal (docs/protocol.md, "Refusals"). Nothing of the request was stored.',
  required: ['error', 'message', 'errors'],
  properties: {
    error: { type: 'string', enum: Object.keys(rejectionReasons), description: 'Reason of the (first) failure.' },
    message: { type: 'string', description: 'Why, in words; it quotes at most a short prefix of what it refuses.' },
    errors: {
      type: 'array',
      description: 'POST /v1/readings: every reading that failed, by its index in the request. Empty when the request failed as a whole.',
      items: {
        type: 'object',
        required: ['index', 'reason', 'message'],
        properties: {
          index: { type: 'integer', minimum: 0 },
          reason: { type: 'string', enum: Object.keys(rejectionReasons) },
          message: { type: 'string' },
        },
      },
    },
  },
} as const;

export const errorResponses = { '4xx': { $ref: 'Error#' }, '5xx': { $ref: 'Error#' } } as const;

/**
 * Answers a refusal in the one shape (refusalBody); `status` overrides the reason's own
 * (unknown_device is 404 on a lookup, 403 on a submission).
 */
export function sendError(
  reply: FastifyReply,
  reason: RejectionReason,
  message: string,
  extra: { errors?: readonly RefusalItem[] } = {},
  status = statusOfReason(reason),
) {
  // A lookup of an unknown device (GET /v1/devices/{id}, 404) is not a refusal of anything.
  const lookup = reason === 'unknown_device' && status === 404;
  const event = lookup ? undefined : securityEventOf(reason);
  if (!lookup) reportRefusal(reply.server.pythia?.onRefusal, { reason, channel: 'http', ...(extra.errors && { errors: extra.errors }) });
  if (event) {
    const { request } = reply;
    logSecurityEvent(request.log, event, {
      reason,
      channel: 'http',
      method: request.method,
      route: request.routeOptions.url ?? quoteInput(request.url.split('?')[0] ?? '', 80),
      client: request.ip,
    });
  }
  return reply.code(status).send(refusalBody(reason, message, extra.errors));
}

/** A body that fastify's parser refused: 400 invalid_body. */
class InvalidBodyError extends Error {
  readonly statusCode = 400;
}

/** The reason for an error fastify raised before a handler ran (routing, content type, body parsing, schemas). */
export function reasonOfFastifyError(error: FastifyError): RejectionReason {
  if (error instanceof ChainUnavailableError) return 'chain_unavailable';
  if (error.validation) return error.validationContext === 'body' ? 'invalid_body' : 'invalid_request';
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_TYPE':
      return 'unsupported_media_type';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'body_too_large';
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return 'invalid_request';
    default:
      break;
  }
  const status = error.statusCode ?? 500;
  if (status === 429) return 'rate_limited';
  if (status === 413) return 'body_too_large';
  if (status === 415) return 'unsupported_media_type';
  if (status === 404) return 'not_found';
  if (status >= 400 && status < 500) return 'invalid_body';
  return 'internal_error';
}

/** What a refusal of a framework error says: fastify's words, without the full URL or body it may quote. */
function messageOf(error: FastifyError, reason: RejectionReason): string {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return 'the URL does not decode (a % not followed by two hex digits, or not UTF-8)';
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return 'a path parameter is longer than 100 characters';
    default:
      return reason === 'internal_error' ? 'unexpected gateway error; nothing was stored' : error.message;
  }
}

function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const reason = reasonOfFastifyError(error);
  if (reason === 'internal_error') request.log.error({ err: error }, 'unexpected error');
  else if (reason === 'rate_limited') reply.header('retry-after', reply.getHeader('retry-after') ?? '1');
  else if (reason === 'chain_unavailable') request.log.warn({ err: error.message }, 'chain unavailable');
  return sendError(reply, reason, messageOf(error, reason));
}

/**
 * Errors of the HTTP layer under fastify (a request that is not valid HTTP, headers over the
 * limit, a request that took too long), answered in the same shape before the socket closes.
 */
function clientError(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [reason, message]: [RejectionReason, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ['header_too_large', 'the request headers (the URL included) are over 16 KiB']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['request_timeout', 'the request did not arrive in full in time']
        : ['invalid_request', 'the request is not valid HTTP/1.1'];
  const status = statusOfReason(reason);
  const body = JSON.stringify(refusalBody(reason, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** The fastify options that route the framework's own errors (URL, route lookup, HTTP layer) to refusals. */
export const refusingServerOptions = {
  frameworkErrors: frameworkError,
  clientErrorHandler: clientError,
} satisfies Pick<FastifyServerOptions, 'frameworkErrors' | 'clientErrorHandler'>;

/**
 * JSON errors with a reason for everything, never a 5xx for bad input; bodies read by the
 * protocol's strict JSON rules (src/protocol/strictJson.ts).
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request: IncomingMessage | FastifyRequest, body, done) => {
    try {
      done(null, parseStrictJson(body as string));
    } catch (error) {
      if (!(error instanceof StrictJsonError)) return done(error as Error, undefined);
      done(new InvalidBodyError(`the body is not valid JSON for this gateway (docs/protocol.md, "JSON"): ${error.message}`), undefined);
    }
  });
  app.setErrorHandler(frameworkError);
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 'not_found', `no route ${request.method} ${quoteInput(request.url.split('?')[0] ?? '', 80)}`),
  );
}
