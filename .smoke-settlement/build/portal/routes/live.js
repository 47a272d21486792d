"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.registerDownloadEvents = registerDownloadEvents;
const customer_downloads_1 = require("../customer-downloads");
const download_presenter_1 = require("../download-presenter");
const session_1 = require("../session");
const api_schemas_1 = require("./api-schemas");
const HEARTBEAT_MS = 15_000;
// A stream ends after this long; EventSource reconnects with Last-Event-ID and resumes.
const MAX_STREAM_MS = 10 * 60_000;
/**
 * Live progress of one download over Server-Sent Events. The customer must own the download (the
 * id in the URL is checked, never trusted). Event ids are the download's version: a page that
 * reconnects with Last-Event-ID gets only what changed since.
 */
function registerDownloadEvents(app, ctx, guard) {
    // Open streams of this portal, ended on graceful shutdown so that close() does not wait on them.
    const openStreams = new Set();
    app.get('/api/v1/downloads/:id/events', { onRequest: guard, schema: { tags: ['customer'], summary: 'Live progress (text/event-stream, event "progress")', params: api_schemas_1.idParams, produces: ['text/event-stream'] } }, async (request, reply) => {
        const view = await (0, customer_downloads_1.customerDownload)(ctx, (0, session_1.userOfRole)(request, 'customer'), request.params.id);
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
        const send = (v) => {
            if (ended)
                return;
            raw.write(`id: ${v.version}\nevent: progress\ndata: ${JSON.stringify((0, download_presenter_1.presentDownload)(v))}\n\n`);
            if (v.finished)
                end();
        };
        const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
        const deadline = setTimeout(() => end(), MAX_STREAM_MS);
        let unsubscribe = () => undefined;
        function end() {
            if (ended)
                return;
            ended = true;
            clearInterval(heartbeat);
            clearTimeout(deadline);
            unsubscribe();
            raw.end();
        }
        request.raw.on('close', end);
        raw.write('retry: 2000\n\n');
        if (!(lastSeen >= view.version) || view.finished)
            send(view);
        if (!ended)
            unsubscribe = ctx.downloads.subscribe(view.downloadId, send, view);
        // On shutdown the stream ends and its connection closes with it, so close() need not wait.
        const endForShutdown = () => {
            end();
            request.raw.socket?.destroySoon();
        };
        openStreams.add(endForShutdown);
        raw.on('close', () => openStreams.delete(endForShutdown));
    });
    app.addHook('preClose', async () => {
        for (const end of [...openStreams])
            end();
    });
}
