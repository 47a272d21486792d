import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { PortalContext } from '../context';
import { customerDownload } from '../customer-downloads';
import { presentDownload } from '../download-presenter';
import type { DownloadView } from '../ports';
import { userOfRole } from '../session';
import { idParams } from './api-schemas';

const HEARTBEAT_MS = 15_000;
// A stream ends after this long; EventSource reconnects with Last-Event-ID and resumes.
const MAX_STREAM_MS = 10 * 60_000;

/**
 * Live progress of one download over Server-Sent Events. The customer must own the download (the
 * id in the URL is checked, never trusted). Event ids are the download's version: a page that
 * reconnects with Last-Event-ID gets only what changed since.
 */
export function registerDownloadEvents(app: FastifyInstance, ctx: PortalContext, guard: onRequestAsyncHookHandler): void {
  // Open streams of this portal, ended on graceful shutdown so that close() does not wait on them.
  const openStreams = new Set<() => void>();
  app.get<{ Params: { id: string } }>(
    '/api/v1/downloads/:id/events',
    { onRequest: guard, schema: { tags: ['customer'], summary: 'Live progress (text/event-stream, event "progress")', params: idParams, produces: ['text/event-stream'] } },
    async (request, reply) => {
      const view = await customerDownload(ctx, userOfRole(request, 'customer'), request.params.id);
      const lastSeen = Number(request.headers['last-event-id']);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-content-type-options': 'nosniff',
        // Proxies such as nginx would otherwise hold events back.
        'x-accel-buffering': 'no',
      });
      let ended = false;
      ctx.metrics.streamOpened();
      const send = (v: DownloadView) => {
        if (ended) return;
        raw.write(`id: ${v.version}\nevent: progress\ndata: ${JSON.stringify(presentDownload(v))}\n\n`);
        if (v.finished) end();
      };
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
      const deadline = setTimeout(() => end(), MAX_STREAM_MS);
      let unsubscribe: () => void = () => undefined;
      function end(): void {
        if (ended) return;
        ended = true;
        ctx.metrics.streamClosed();
        clearInterval(heartbeat);
        clearTimeout(deadline);
        unsubscribe();
        raw.end();
      }
      request.raw.on('close', end);
      raw.write('retry: 2000\n\n');
      if (!(lastSeen >= view.version) || view.finished) send(view);
      if (!ended) unsubscribe = ctx.downloads.subscribe(view.downloadId, send, view);
      // On shutdown the stream ends and its connection closes with it, so close() need not wait.
      const endForShutdown = () => {
        end();
        request.raw.socket?.destroySoon();
      };
      openStreams.add(endForShutdown);
      raw.on('close', () => openStreams.delete(endForShutdown));
    },
  );
  app.addHook('preClose', async () => {
    for (const end of [...openStreams]) end();
  });
}
