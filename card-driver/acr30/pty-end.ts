// The simulator's end of a pseudo-terminal pair, opened as a plain terminal rather than through
// `serialport`. serialport reads and writes through libuv's thread pool (fs.read/fs.write after a
// poll), which on a busy machine adds milliseconds per hop; a tty handle reads from epoll and writes
// at once. The pty is already raw (socat's `raw,echo=0`), and a pty has no line speed to set: the
// WirePacer supplies the timing. The host side keeps using serialport, as a real reader needs.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as tty from 'node:tty';

export interface PtyEndEvents {
  data: [chunk: Buffer];
  /** The other end went away (socat killed) or close() was called. */
  close: [];
}

export class PtyEnd extends EventEmitter<PtyEndEvents> {
  private open = true;

  private constructor(
    private readonly fd: number,
    private readonly input: tty.ReadStream,
    private readonly output: tty.WriteStream,
  ) {
    super();
    input.on('data', (chunk: Buffer) => this.emit('data', chunk));
    input.on('end', () => this.finish());
    input.on('close', () => this.finish());
    // EIO/EPIPE once socat is gone: that is the close already reported.
    input.on('error', () => this.finish());
    output.on('error', () => this.finish());
  }

  static open(path: string): PtyEnd {
    const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_NOCTTY | fs.constants.O_NONBLOCK);
    if (!tty.isatty(fd)) {
      fs.closeSync(fd);
      throw new Error(`${path} is not a terminal; give the simulator one end of a socat pty pair`);
    }
    return new PtyEnd(fd, new tty.ReadStream(fd), new tty.WriteStream(fd));
  }

  get isOpen(): boolean {
    return this.open;
  }

  write(bytes: Buffer): void {
    if (this.open) this.output.write(bytes);
  }

  close(): Promise<void> {
    if (!this.open) return Promise.resolve();
    return new Promise((resolve) => {
      this.once('close', () => resolve());
      this.input.destroy();
    });
  }

  private finish(): void {
    if (!this.open) return;
    this.open = false;
    this.input.destroy();
    this.output.destroy();
    try {
      fs.closeSync(this.fd);
    } catch {
      // libuv may already have closed or replaced this descriptor with its own reopened one.
    }
    this.emit('close');
  }
}
