import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_BODY_BYTES } from '../domain/pipeline';
import type { HttpRequest, HttpResponse } from '../handlers/http-producer';
import { guardRequest } from './request-guard';

type HttpHandler = (event: HttpRequest) => Promise<HttpResponse>;

const headersOf = (headers: IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])));

/**
 * Serves `POST /commands` on 127.0.0.1 by handing API Gateway proxy events to the real HTTP producer.
 * Every request first passes ./request-guard (loopback Host, no cross-origin browser request, JSON
 * bodies only); a refused one gets its 4xx, its body is discarded unread, and nothing is sent.
 */
export const startHttpServer = (port: number, handler: HttpHandler): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      const reply = (r: { statusCode: number; headers?: Record<string, string>; body: string }) => {
        res.writeHead(r.statusCode, r.headers ?? { 'content-type': 'application/json' });
        res.end(r.body);
      };
      const verdict = guardRequest(req, (server.address() as AddressInfo).port);
      if (!verdict.ok) {
        req.resume();
        res.setHeader('connection', 'close');
        return reply({ statusCode: verdict.statusCode, body: JSON.stringify({ error: verdict.error }) });
      }
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
        handler({ body, isBase64Encoded: false, headers: headersOf(req.headers) }).then(
          reply,
          (error: unknown) => reply({ statusCode: 500, body: JSON.stringify({ error: String(error) }) }),
        );
      });
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
