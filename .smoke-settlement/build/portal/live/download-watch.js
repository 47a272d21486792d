"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DownloadWatchHub = void 0;
class DownloadWatchHub {
    options;
    watchers = new Map();
    closed = false;
    /** Loads made since the hub started (for the benchmark and the tests of fan-out). */
    loads = 0;
    constructor(options) {
        this.options = options;
        if (!(options.intervalMs > 0))
            throw new Error(`portal invariant broken: watch interval ${options.intervalMs} ms must be positive`);
    }
    get watchedDownloads() {
        return this.watchers.size;
    }
    /**
     * Calls `listener` with the latest view at once (when known) and after every change. Returns
     * the function that stops listening.
     */
    subscribe(downloadId, listener, initial) {
        if (this.closed)
            throw new Error('portal invariant broken: subscribe after the watch hub was closed');
        let watcher = this.watchers.get(downloadId);
        if (!watcher) {
            watcher = { listeners: new Set(), last: initial ?? null, timer: null, polling: false };
            this.watchers.set(downloadId, watcher);
            this.schedule(downloadId, watcher);
        }
        watcher.listeners.add(listener);
        return () => {
            const current = this.watchers.get(downloadId);
            if (!current)
                return;
            current.listeners.delete(listener);
            if (current.listeners.size === 0)
                this.stop(downloadId, current);
        };
    }
    /** Stops every watcher (graceful shutdown). */
    close() {
        this.closed = true;
        for (const [id, watcher] of this.watchers)
            this.stop(id, watcher);
    }
    schedule(downloadId, watcher) {
        watcher.timer = setTimeout(() => void this.poll(downloadId, watcher), this.options.intervalMs);
        // A watcher never keeps the process alive on its own.
        watcher.timer.unref();
    }
    async poll(downloadId, watcher) {
        if (this.watchers.get(downloadId) !== watcher || watcher.polling)
            return;
        watcher.polling = true;
        try {
            this.loads++;
            const view = await this.options.load(downloadId);
            if (view && (!watcher.last || view.version !== watcher.last.version || view.finished !== watcher.last.finished)) {
                watcher.last = view;
                for (const listener of [...watcher.listeners])
                    listener(view);
            }
            if (view?.finished) {
                this.stop(downloadId, watcher);
                return;
            }
        }
        catch (err) {
            // Temporal unreachable for a moment: keep the pages open and try again next interval.
            this.options.onError?.(downloadId, err);
        }
        finally {
            watcher.polling = false;
        }
        if (this.watchers.get(downloadId) === watcher)
            this.schedule(downloadId, watcher);
    }
    stop(downloadId, watcher) {
        if (watcher.timer)
            clearTimeout(watcher.timer);
        watcher.timer = null;
        if (this.watchers.get(downloadId) === watcher)
            this.watchers.delete(downloadId);
    }
}
exports.DownloadWatchHub = DownloadWatchHub;
