"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const download_watch_1 = require("../live/download-watch");
function view(version, finished = false) {
    return {
        downloadId: 'd-1',
        customerId: 'c-1',
        csn: '6071000000000018',
        purse: 'ecash',
        amountMinor: 100n,
        mode: 'offline',
        step: finished ? 'posted' : 'waiting_for_request_code',
        version,
        authorizationCode: null,
        wrongCodes: 0,
        outcome: null,
        finished,
        startedAt: new Date(0),
    };
}
const tick = (ms) => new Promise((r) => setTimeout(r, ms));
describe('one watcher per download', () => {
    test('many listeners share one poll and each sees every new version once', async () => {
        let current = view(1);
        let loads = 0;
        const hub = new download_watch_1.DownloadWatchHub({ load: async () => (loads++, current), intervalMs: 10 });
        const seen = [[], [], []];
        const stops = seen.map((list) => hub.subscribe('d-1', (v) => list.push(v.version), view(1)));
        await tick(50);
        current = view(2);
        await tick(50);
        expect(seen).toEqual([[2], [2], [2]]);
        expect(hub.watchedDownloads).toBe(1);
        expect(loads).toBeLessThan(15);
        stops.forEach((stop) => stop());
        expect(hub.watchedDownloads).toBe(0);
        hub.close();
    });
    test('the watcher stops once the download has finished', async () => {
        const hub = new download_watch_1.DownloadWatchHub({ load: async () => view(3, true), intervalMs: 5 });
        const seen = [];
        hub.subscribe('d-1', (v) => seen.push(v.finished), view(1));
        await tick(40);
        expect(seen).toEqual([true]);
        expect(hub.watchedDownloads).toBe(0);
    });
    test('a failing load is reported and retried, the listeners stay', async () => {
        let fail = true;
        const errors = [];
        const hub = new download_watch_1.DownloadWatchHub({ load: async () => (fail ? Promise.reject(new Error('down')) : view(2)), intervalMs: 5, onError: (_id, err) => errors.push(err) });
        const seen = [];
        hub.subscribe('d-1', (v) => seen.push(v.version), view(1));
        await tick(30);
        fail = false;
        await tick(30);
        expect(errors.length).toBeGreaterThan(0);
        expect(seen).toEqual([2]);
        hub.close();
    });
});
