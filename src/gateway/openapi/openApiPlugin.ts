import swagger from '@fastify/swagger';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { rejectionReasons } from '../../protocol/reasons.js';

const reasonTable = Object.entries(rejectionReasons)
  .map(([reason, { status, description }]) => `| \`${reason}\` | ${status} | ${description} |`)
  .join('\n');

export type OpenApiTag = { name: string; description: string };

/**
 * Generates the OpenAPI 3 document from the route schemas and serves it at GET /openapi.json.
 * Registered before the route plugins and not encapsulated, so it sees every route.
 */
export const openApiPlugin: FastifyPluginAsync<{ version: string; tags: OpenApiTag[] }> = async (
  app: FastifyInstance,
  { version, tags },
) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Pythia gateway',
        version,
        description:
          'The transaction data inspection interface in front of the Pythia fleet contract: devices submit signed readings, the gateway checks them at no gas, queues them durably and relays them on chain. Every refusal is JSON `{ error, message, errors? }` with one of these reasons:\n\n| reason | status | meaning |\n|---|---|---|\n' +
          reasonTable,
      },
      tags,
      components: {
        securitySchemes: {
          consoleToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'The console token `pythia up` writes to <data dir>/console-token (docs/security.md).',
          },
        },
      },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};
// Not encapsulated (what fastify-plugin does): the swagger onRoute hook must see sibling plugins' routes.
(openApiPlugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
