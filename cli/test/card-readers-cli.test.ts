// `purseflow card info|balance|log --tty` against the ACR30 simulator on a real socat pty pair, and
// the stdin control language of `purseflow sim card|acr30`.
import { Command } from 'commander';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import {
  Acr30Reader,
  Acr30Simulator,
  csnWithCheckDigit,
  ESMART_ATR,
  selectCommand,
  inMemoryChannel,
  performOnlineLoad,
  PURSE,
  SimulatedCard,
  testKeyStore,
} from '../../card-driver';
import { openSocatPair, type SocatPair } from '../../test-support/socat-pair';
import { formatMinor, registerCardCommands } from '../commands/card';
import { parseBaud, parsePort, parseSimControl, simAcr30Command, simCardCommand } from '../commands/sim-readers';

const keys = testKeyStore();
const csn = csnWithCheckDigit('607100000000775');

describe('purseflow card … --tty (ACR30)', () => {
  let pair: SocatPair;
  let sim: Acr30Simulator;
  let stdout: string[];

  beforeAll(async () => {
    const card = SimulatedCard.issue(keys, csn);
    await performOnlineLoad(inMemoryChannel(card), keys, { purse: PURSE.ecash, amount: 25_050n });
    await performOnlineLoad(inMemoryChannel(card), keys, { purse: PURSE.food, amount: 1_000n });
    pair = await openSocatPair();
    sim = await Acr30Simulator.open({ path: pair.devicePath, card, paced: false, announceReset: false });
  });

  afterAll(async () => {
    await sim.close();
    await pair.close();
  });

  beforeEach(() => {
    stdout = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (stdout.push(String(chunk)), true));
  });

  afterEach(() => jest.restoreAllMocks());

  async function card(...args: string[]): Promise<string> {
    const program = new Command('purseflow').exitOverride();
    registerCardCommands(program);
    await program.parseAsync(['card', ...args], { from: 'user' });
    return stdout.join('');
  }

  test('info shows the CSN, currency, both purse balances, the ATC and the log size', async () => {
    const text = await card('info', '--tty', pair.hostPath);
    expect(text).toContain('CSN          6071 0000 0000 7758');
    expect(text).toContain('currency     0356 (INR)');
    expect(text).toContain('e-Cash       250.50');
    expect(text).toContain('Food Voucher 10.00');
    expect(text).toContain('ATC          2');
    expect(text).toContain('log          2 record(s)');
  });

  test('balance --json gives decimal strings for scripts', async () => {
    const json = JSON.parse(await card('balance', '--tty', pair.hostPath, '--json'));
    expect(json.balances).toEqual({ ecash: '250.50', food: '10.00' });
    expect(json.info.csn).toBe(csn);
  });

  test('log decodes the records newest first', async () => {
    const lines = (await card('log', '--tty', pair.hostPath, '--baud', '115200')).trim().split('\n');
    expect(lines[0]).toBe('card 6071 0000 0000 7758, newest first');
    expect(lines[2]).toMatch(/^1 +load +Food Voucher +2 +10\.00 +10\.00 /);
    expect(lines[3]).toMatch(/^2 +load +e-Cash +1 +250\.50 +250\.50 /);
  });

  test('naming both a PC/SC reader and a serial port is refused with reader_choice', async () => {
    await expect(card('info', '--tty', pair.hostPath, '--reader', 'Virtual PCD 00 00')).rejects.toMatchObject({
      code: 'reader_choice',
    });
  });

  test('naming no reader at all is refused with reader_choice', async () => {
    await expect(card('info')).rejects.toMatchObject({ code: 'reader_choice' });
  });

  test('a serial port with no reader on it fails with reader_unavailable', async () => {
    await expect(card('info', '--tty', '/nonexistent/ttyS9')).rejects.toMatchObject({ code: 'reader_unavailable' });
  });

  test('an unsupported --baud is refused before anything is opened', async () => {
    await expect(card('info', '--tty', pair.hostPath, '--baud', '12345')).rejects.toMatchObject({
      code: 'commander.invalidArgument',
    });
  });
});

describe('amounts on screen', () => {
  test.each([
    [0n, '0.00'],
    [5n, '0.05'],
    [25_050n, '250.50'],
    [-120n, '-1.20'],
  ])('%p minor units show as %s', (minor, text) => {
    expect(formatMinor(minor)).toBe(text);
  });
});

describe('sim card / sim acr30 control lines', () => {
  test.each([
    ['insert', { kind: 'insert' }],
    ['  REMOVE ', { kind: 'remove' }],
    ['status', { kind: 'status' }],
    ['quit', { kind: 'quit' }],
    ['tear after-credit', { kind: 'tear', point: 'after-credit' }],
  ])('"%s" is understood', (line, control) => {
    expect(parseSimControl(line)).toEqual(control);
  });

  test('a blank line is ignored', () => {
    expect(parseSimControl('   ')).toBeNull();
  });

  test.each([
    ['an unknown word', 'eject', /unknown command "eject"/],
    ['tear without a point', 'tear', /tear needs one of/],
    ['tear at a point that does not exist', 'tear mid-air', /tear needs one of/],
    ['insert with an argument', 'insert now', /takes no argument/],
  ])('%s is refused with the list of what works', (_name, line, message) => {
    const control = parseSimControl(line);
    expect(control?.kind).toBe('invalid');
    expect(control && control.kind === 'invalid' && control.message).toMatch(message);
  });

  test.each(['0', '65536', '35963.5', 'abc'])('--vpcd-port %s is refused', (text) => {
    expect(() => parsePort(text)).toThrow(/TCP port/);
  });

  test.each(['9601', '0', 'fast'])('--baud %s is refused', (text) => {
    expect(() => parseBaud(text)).toThrow(/one of 9600/);
  });
});

describe('purseflow sim acr30', () => {
  test('serves a card on the pty, obeys remove / insert / quit on stdin, and keeps the card in --state', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'purseflow-sim-acr30-'));
    const state = path.join(dir, 'card.json');
    const pair = await openSocatPair();
    const input = new PassThrough();
    const printed: string[] = [];
    const waitFor = (line: string | RegExp): Promise<void> =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = (): void => {
          if (printed.some((p) => (typeof line === 'string' ? p === line : line.test(p)))) resolve();
          else if (Date.now() - started > 5000) reject(new Error(`no "${String(line)}" in ${JSON.stringify(printed)}`));
          else setTimeout(poll, 10);
        };
        poll();
      });
    const options = { tty: pair.devicePath, csn, baud: 9600 as const, cardMs: 0, unpaced: true, state };
    const running = simAcr30Command(options, { input, print: (l) => printed.push(l) });
    let reader: Acr30Reader | null = null;
    try {
      await waitFor('ready');
      reader = await Acr30Reader.open({ path: pair.hostPath });
      expect(reader.cardPresent).toBe(true);
      const loaded = await performOnlineLoad(await reader.connect(), keys, { purse: PURSE.ecash, amount: 4_200n });
      expect(loaded.newBalance).toBe(4_200n);

      const removed = new Promise<void>((r) => reader!.once('card-removed', () => r()));
      input.write('remove\n');
      await removed;
      const inserted = new Promise<void>((r) => reader!.once('card-inserted', () => r()));
      input.write('insert\n');
      await inserted;
      input.write('eject\n');
      await waitFor(/^error: unknown command "eject"/);
      input.write('quit\n');
      await running;
      expect(printed).toContain('stopped');
      expect(JSON.parse(fs.readFileSync(state, 'utf8')).balances.ecash).toBe('4200');
    } finally {
      await reader?.close();
      input.end();
      await pair.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('purseflow sim card', () => {
  // The connector itself is tested against the real pcscd (card-driver/test/pcsc-vpcd.test.ts, which
  // owns vpcd slot 1); here a stand-in for vpcd checks the command's wiring: port, stdin, state file.
  test('connects to vpcd as the card, answers it, and leaves and comes back on remove / insert', async () => {
    const connections: net.Socket[] = [];
    const server = net.createServer((socket) => connections.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const input = new PassThrough();
    const printed: string[] = [];
    const running = simCardCommand(
      { csn, vpcdPort: port, host: '127.0.0.1' },
      { input, print: (l) => printed.push(l) },
    );
    const ask = (socket: net.Socket, body: Buffer): Promise<Buffer> =>
      new Promise((resolve) => {
        let got = Buffer.alloc(0);
        const onData = (chunk: Buffer): void => {
          got = Buffer.concat([got, chunk]);
          if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
            socket.off('data', onData);
            resolve(got.subarray(2));
          }
        };
        socket.on('data', onData);
        socket.write(Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]));
      });
    const until = async (check: () => boolean): Promise<void> => {
      for (let i = 0; i < 500 && !check(); i += 1) await new Promise((r) => setTimeout(r, 10));
      expect(check()).toBe(true);
    };
    try {
      await until(() => connections.length === 1 && printed.includes('ready'));
      expect(await ask(connections[0], Buffer.from([0x04]))).toEqual(ESMART_ATR);
      const select = await ask(connections[0], selectCommand());
      expect(select.subarray(-2)).toEqual(Buffer.from([0x90, 0x00]));
      expect(select.subarray(0, 8).toString('hex')).toBe(csn);
      const closed = new Promise<void>((r) => connections[0].once('close', () => r()));
      input.write('remove\n');
      await closed;
      input.write('insert\n');
      await until(() => connections.length === 2);
      input.write('quit\n');
      await running;
      expect(printed).toContain('stopped');
    } finally {
      input.end();
      for (const c of connections) c.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
