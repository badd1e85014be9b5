import { createServer, type Server } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { MAX_BODY_BYTES } from '../handlers/http-producer';

type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** Serves `POST /commands` on 127.0.0.1 by handing API Gateway v2 events to the real HTTP producer. */
export const startHttpServer = (port: number, handler: HttpHandler): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      const reply = (r: APIGatewayProxyStructuredResultV2) => {
        res.writeHead(r.statusCode ?? 200, (r.headers ?? {}) as Record<string, string>);
        res.end(r.body ?? '');
      };
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/commands')
        return reply({ statusCode: 404, body: '{"error":"not found: try POST /commands"}' });
      if (req.method !== 'POST') return reply({ statusCode: 405, body: '{"error":"use POST"}' });
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES + 1) chunks.push(chunk);
      });
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const event = {
          version: '2.0',
          routeKey: 'POST /commands',
          rawPath: '/commands',
          rawQueryString: '',
          headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
          body,
          isBase64Encoded: false,
          requestContext: { http: { method: 'POST', path: '/commands' } },
        } as unknown as APIGatewayProxyEventV2;
        handler(event).then(reply, (error: unknown) =>
          reply({ statusCode: 500, body: JSON.stringify({ error: String(error) }) }),
        );
      });
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
