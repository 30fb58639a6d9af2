import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { bytesToHex } from 'viem';
import { errorResponses, sendError } from '../core/httpErrors.js';
import {
  parseCborQuestionRequest,
  parseJsonQuestionRequest,
  QuestionRequestError,
  type ParsedQuestionRequest,
} from './parseQuestionRequest.js';
import type { QuestionAnswerer } from './questionAnswerer.js';

export type QuestionsPluginOptions = {
  chainId: number;
  /** The gateway's answerer (the MQTT channel shares it, and so its replay state). */
  answerer: QuestionAnswerer;
};

const questionJsonSchema = {
  type: 'object',
  description:
    'A device-signed question (docs/protocol.md, "Signed answers"). `signature` is the ES256K COSE signature (64 bytes r ‖ s) over the Sig_structure of the request payload the gateway rebuilds from these fields.',
  required: ['device', 'question', 'params', 'sequence', 'signature'],
  properties: {
    device: { type: 'string', description: 'The asking device id.' },
    question: { anyOf: [{ type: 'integer' }, { type: 'string' }], description: 'Question id or name, e.g. 1 or "device_status".' },
    params: { type: 'object', description: 'device_status: { device: "0x…" } (the subject).' },
    challenge: { type: 'string', description: '0x + 8 to 32 random bytes, fresh per question.' },
    sequence: { anyOf: [{ type: 'integer' }, { type: 'string' }], description: 'uint64, above the last question sequence of the device.' },
    signature: { type: 'string', description: '0x + 128 hex digits: r ‖ s, low s.' },
  },
} as const;

const wantsJson = (request: FastifyRequest): boolean => {
  const accept = request.headers.accept ?? '';
  const json = accept.indexOf('application/json');
  const cbor = accept.indexOf('application/cbor');
  return json !== -1 && (cbor === -1 || json < cbor);
};

/**
 * POST /v1/questions — a device asks, the Pythia answers with a COSE_Sign1 it signs
 * (application/cbor, or { answer: base64 } when Accept asks for JSON). The request is signed by
 * the asking device (checked against its registered key) and replay-checked per device.
 * Registered when the gateway has an answer key.
 */
export const questionsPlugin: FastifyPluginAsync<QuestionsPluginOptions> = async (app, options) => {
  const { answerer } = options;
  const signer = answerer.signer;
  app.addContentTypeParser('application/cbor', { parseAs: 'buffer', bodyLimit: 4096 }, (_request, body, done) => done(null, body));

  app.get('/v1/questions/key', { schema: { summary: 'The key this gateway signs answers with', tags: ['answers'] } }, async () => ({
    kid: bytesToHex(signer.kid),
  }));

  app.post(
    '/v1/questions',
    {
      schema: {
        summary: 'Ask the Pythia a question; get a signed answer (COSE_Sign1, ES256K)',
        tags: ['answers'],
        body: {
          content: {
            'application/json': { schema: questionJsonSchema },
            'application/cbor': { schema: { description: 'COSE_Sign1 signed by the device key (ES256K, kid = device id).' } },
          },
        },
        response: {
          200: {
            description: 'The signed answer: application/cbor bytes, or { answer: base64 } for Accept: application/json.',
            content: {
              'application/cbor': { schema: { type: 'string', format: 'binary' } },
              'application/json': { schema: { type: 'object', required: ['answer'], properties: { answer: { type: 'string' } } } },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      let asked: ParsedQuestionRequest;
      try {
        asked = Buffer.isBuffer(request.body)
          ? parseCborQuestionRequest(request.body)
          : parseJsonQuestionRequest(request.body, options.chainId);
      } catch (error) {
        if (error instanceof QuestionRequestError) return sendError(reply, error.reason, error.message);
        throw error;
      }
      return answer(asked, reply);
    },
  );

  async function answer(asked: ParsedQuestionRequest, reply: FastifyReply) {
    const outcome = await answerer.answer(asked);
    if (!outcome.ok) return sendError(reply, outcome.error, outcome.message);
    const signed = outcome.answer;
    if (wantsJson(reply.request)) return reply.type('application/json').send({ answer: Buffer.from(signed).toString('base64') });
    return reply.type('application/cbor').send(Buffer.from(signed));
  }
};
