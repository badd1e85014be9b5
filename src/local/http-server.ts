import { createServer, type Server } from 'node:http';
import { MAX_BODY_BYTES } from '../domain/pipeline';
import type { HttpRequest, HttpResponse } from '../handlers/http-producer';

type HttpHandler = (event: HttpRequest) => Promise<HttpResponse>;

/** Serves `POST /commands` on 127.0.0.1 by handing API Gateway proxy events to the real HTTP producer. */
export const startHttpServer = (port: number, handler: HttpHandler): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      const reply = (r: { statusCode: number; headers?: Record<string, string>; body: string }) => {
        res.writeHead(r.statusCode, r.headers ?? { 'content-type': 'application/json' });
        res.end(r.body);
      };
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/commands')
        return reply({ statusCode: 404, body: '{"error":"not found: try POST /commands"}' });
      if (req.method !== 'POST') return reply({ statusCode: 405, body: '{"error":"use POST"}' });
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES * 16) chunks.push(chunk);
      });
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        handler({ body, isBase64Encoded: false }).then(reply, (error: unknown) =>
          reply({ statusCode: 500, body: JSON.stringify({ error: String(error) }) }),
        );
      });
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
