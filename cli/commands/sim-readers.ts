// `purseflow sim card` and `purseflow sim acr30`: a simulated e-Smart card plugged into pcscd's
// vpcd, or held by a simulated ACR30S reader on one end of a socat pty pair. Both take commands on
// standard input, one per line: `insert`, `remove`, `tear <point>`, `status`, `quit`.
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import {
  Acr30Simulator,
  formatCsn,
  isAcrBaud,
  keyStoreFromEnvironment,
  parseCsn,
  SimulatedCard,
  VpcdCardConnector,
  type AcrBaud,
  type Csn,
  type TearPoint,
} from '../../card-driver';

export type SimReaderErrorCode = 'bad_state_file';

export class SimReaderError extends Error {
  override readonly name = 'SimReaderError';
  constructor(
    readonly code: SimReaderErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const TEAR_POINTS: readonly TearPoint[] = [
  'before-initialize',
  'after-initialize',
  'before-credit',
  'after-credit',
  'before-debit',
  'after-debit',
];

export type SimControl =
  | { kind: 'insert' }
  | { kind: 'remove' }
  | { kind: 'status' }
  | { kind: 'quit' }
  | { kind: 'tear'; point: TearPoint }
  | { kind: 'invalid'; message: string };

/** One line typed on standard input → what the operator asked for. */
export function parseSimControl(line: string): SimControl | null {
  const words = line.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return null;
  const [verb, arg] = words;
  switch (verb) {
    case 'insert':
    case 'remove':
    case 'status':
    case 'quit':
      return words.length === 1 ? { kind: verb } : { kind: 'invalid', message: `"${verb}" takes no argument` };
    case 'tear': {
      const point = TEAR_POINTS.find((p) => p === arg);
      return point
        ? { kind: 'tear', point }
        : { kind: 'invalid', message: `tear needs one of: ${TEAR_POINTS.join(', ')}` };
    }
    default:
      return { kind: 'invalid', message: `unknown command "${verb}"; use insert, remove, tear <point>, status or quit` };
  }
}

function csnArg(text: string): Csn {
  try {
    return parseCsn(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export function parsePort(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 0xffff) throw new InvalidArgumentError('a TCP port 1..65535');
  return n;
}

export function parseBaud(text: string): AcrBaud {
  const n = Number(text);
  if (!isAcrBaud(n)) throw new InvalidArgumentError('one of 9600, 14400, 19200, 28800, 38400, 57600, 115200');
  return n;
}

function parseMs(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 60_000) throw new InvalidArgumentError('milliseconds 0..60000');
  return n;
}

export interface CardOptions {
  csn: Csn;
  state?: string;
}

/** The card: restored from its state file when one exists, else newly issued with the configured keys. */
function openCard(o: CardOptions): { card: SimulatedCard; save: () => void } {
  const keys = keyStoreFromEnvironment();
  let card: SimulatedCard;
  if (o.state && fs.existsSync(o.state)) {
    try {
      card = SimulatedCard.restore(JSON.parse(fs.readFileSync(o.state, 'utf8')), keys);
    } catch (err) {
      throw new SimReaderError('bad_state_file', `${o.state} is not a card state file (${(err as Error).message}); remove it or pass another --state.`);
    }
    if (card.csn !== o.csn) {
      throw new SimReaderError('bad_state_file', `${o.state} holds card ${formatCsn(card.csn)}, not ${formatCsn(o.csn)}; pass the matching --csn.`);
    }
  } else {
    card = SimulatedCard.issue(keys, o.csn);
  }
  const save = (): void => {
    if (!o.state) return;
    fs.mkdirSync(path.dirname(o.state), { recursive: true });
    const tmp = `${o.state}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(card.snapshot(), null, 2)}\n`);
    fs.renameSync(tmp, o.state);
  };
  return { card, save };
}

interface Controls {
  insert(): Promise<void> | void;
  remove(): Promise<void> | void;
  status(): string;
  close(): Promise<void>;
}

/** Where a simulator reads its control lines and prints what happens (a terminal, or a test). */
export interface SimIo {
  input: NodeJS.ReadableStream;
  print(line: string): void;
}

const terminalIo = (): SimIo => ({ input: process.stdin, print: (line) => void process.stdout.write(`${line}\n`) });

/** Reads control lines until `quit`, SIGINT or SIGTERM. End of input alone does not stop the simulator. */
function runControls(card: SimulatedCard, controls: Controls, save: () => void, io: SimIo): Promise<void> {
  const out = io.print;
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (): void => void stop();
    const stop = async (): Promise<void> => {
      if (stopping) return;
      stopping = true;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      rl.close();
      await controls.close();
      save();
      out('stopped');
      resolve();
    };
    const rl = readline.createInterface({ input: io.input, terminal: false });
    rl.on('line', (line) => {
      const control = parseSimControl(line);
      if (!control) return;
      void (async () => {
        switch (control.kind) {
          case 'insert':
            await controls.insert();
            return;
          case 'remove':
            await controls.remove();
            return;
          case 'tear':
            card.tearAt(control.point);
            out(`tear armed: ${control.point}`);
            return;
          case 'status':
            out(controls.status());
            return;
          case 'quit':
            await stop();
            return;
          case 'invalid':
            out(`error: ${control.message}`);
            return;
        }
      })().catch((err: unknown) => out(`error: ${(err as Error).message}`));
    });
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}

export interface SimCardOptions extends CardOptions {
  vpcdPort: number;
  host: string;
  absent?: boolean;
  trace?: boolean;
}

export async function simCardCommand(o: SimCardOptions, io: SimIo = terminalIo()): Promise<void> {
  const { card, save } = openCard(o);
  const out = io.print;
  const connector = new VpcdCardConnector({ card, port: o.vpcdPort, host: o.host });
  connector.on('removed', (reason) => {
    save();
    out(`card removed (${reason})`);
  });
  connector.on('apdu', (command, response) => {
    save();
    if (o.trace) out(`apdu ${command.toString('hex').toUpperCase()} -> ${response.toString('hex').toUpperCase()}`);
  });
  const insert = async (): Promise<void> => {
    await connector.insert();
    out(`card ${formatCsn(card.csn)} inserted into vpcd ${o.host}:${o.vpcdPort}`);
  };
  if (!o.absent) await insert();
  out('ready');
  await runControls(
    card,
    {
      insert,
      remove: () => connector.remove(),
      status: () => `card ${formatCsn(card.csn)} ${connector.inserted ? 'inserted' : 'out'}, ATC ${card.atcCard}`,
      close: () => connector.remove(),
    },
    save,
    io,
  );
}

export interface SimAcr30Options extends CardOptions {
  tty: string;
  baud: AcrBaud;
  cardMs: number;
  unpaced?: boolean;
  absent?: boolean;
  trace?: boolean;
}

export async function simAcr30Command(o: SimAcr30Options, io: SimIo = terminalIo()): Promise<void> {
  const { card, save } = openCard(o);
  const out = io.print;
  const sim = await Acr30Simulator.open({
    path: o.tty,
    card: o.absent ? null : card,
    cardProcessingMs: o.cardMs,
    paced: !o.unpaced,
    hardwareBaud: o.baud,
  });
  sim.on('apdu', (command, response) => {
    save();
    if (o.trace) out(`apdu ${command.toString('hex').toUpperCase()} -> ${response.toString('hex').toUpperCase()}`);
  });
  sim.on('card-torn', () => out('card torn away'));
  sim.on('baud', (baud) => out(`line speed ${baud} bps`));
  out(`ACR30 simulator on ${o.tty} at ${o.baud} bps, card ${formatCsn(card.csn)} ${o.absent ? 'out' : 'inserted'}`);
  out('ready');
  await runControls(
    card,
    {
      insert: () => {
        sim.insert(card);
        out(`card ${formatCsn(card.csn)} inserted`);
      },
      remove: () => {
        sim.remove();
        save();
        out('card removed');
      },
      status: () =>
        `card ${formatCsn(card.csn)} ${sim.cardInserted ? 'inserted' : 'out'}, line ${sim.lineSpeed} bps, ATC ${card.atcCard}`,
      close: () => sim.close(),
    },
    save,
    io,
  );
}

export function registerSimReaderCommands(sim: Command): void {
  sim
    .command('card')
    .description('an e-Smart card plugged into pcscd through the vsmartcard-vpcd driver (stdin: insert, remove, tear <point>, status, quit)')
    .requiredOption('--csn <digits>', 'card serial number, 16 digits with the Luhn check digit', csnArg)
    .option('--vpcd-port <port>', 'vpcd slot port (slot 0 = 35963)', parsePort, Number(process.env.PURSEFLOW_VPCD_PORT ?? 35963))
    .option('--host <host>', 'where pcscd/vpcd listens', '127.0.0.1')
    .option('--state <file>', 'card state JSON: read at start if present, written after every command')
    .option('--absent', 'start with the card out of the reader')
    .option('--trace', 'print every APDU and response')
    .action((o: SimCardOptions) => simCardCommand(o));

  sim
    .command('acr30')
    .description('an ACR30S serial reader on one end of a socat pty pair, holding the card (stdin: insert, remove, tear <point>, status, quit)')
    .requiredOption('--tty <path>', "the simulator's end of the pty pair")
    .requiredOption('--csn <digits>', 'card serial number, 16 digits with the Luhn check digit', csnArg)
    .option('--baud <bps>', 'line speed at power-up (the hardware speed); SET_PROTOCOL changes it', parseBaud, 9600 as AcrBaud)
    .option('--card-ms <ms>', 'extra card processing time per APDU', parseMs, 0)
    .option('--unpaced', 'move bytes at memory speed instead of the line speed')
    .option('--state <file>', 'card state JSON: read at start if present, written after every command')
    .option('--absent', 'start with the card out of the reader')
    .option('--trace', 'print every APDU and response')
    .action((o: SimAcr30Options) => simAcr30Command(o));
}
