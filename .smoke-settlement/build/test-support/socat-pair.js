"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.openSocatPair = openSocatPair;
// A virtual null-modem cable: two pseudo-terminals joined by socat (background.md §7.3). One end
// takes the ACR30 simulator, the other the host driver. `unplug()` kills socat, which is what
// pulling the cable looks like to both ends.
const node_child_process_1 = require("node:child_process");
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
function openSocatPair(timeoutMs = 5000) {
    const dir = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'purseflow-pty-'));
    const hostPath = (0, node_path_1.join)(dir, 'host');
    const devicePath = (0, node_path_1.join)(dir, 'device');
    const child = (0, node_child_process_1.spawn)('socat', ['-d', '-d', `pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devicePath}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const unplug = async () => {
        if (child.exitCode === null && child.signalCode === null)
            child.kill('SIGTERM');
        await exited;
    };
    return new Promise((resolve, reject) => {
        let log = '';
        const timer = setTimeout(() => {
            void unplug();
            reject(new Error(`socat did not start within ${timeoutMs} ms: ${log}`));
        }, timeoutMs);
        child.once('error', (err) => {
            clearTimeout(timer);
            reject(new Error(`Cannot run socat (${err.message}); install it (Debian package "socat")`));
        });
        child.stderr?.on('data', (chunk) => {
            log += chunk.toString();
            if (log.includes('starting data transfer loop')) {
                clearTimeout(timer);
                child.stderr?.removeAllListeners('data');
                child.stderr?.resume();
                resolve({
                    hostPath,
                    devicePath,
                    pid: child.pid ?? -1,
                    unplug,
                    close: async () => {
                        await unplug();
                        (0, node_fs_1.rmSync)(dir, { recursive: true, force: true });
                    },
                });
            }
        });
    });
}
