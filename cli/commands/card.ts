// `purseflow card info|balance|log`: what an operator with a card in a reader wants to see. Only the
// card's public data (SELECT, GET BALANCE, READ LOG): no keys are needed or loaded.
import { Command, InvalidArgumentError } from 'commander';
import {
  Acr30Reader,
  EsmartSession,
  formatCsn,
  isAcrBaud,
  PcscService,
  purseName,
  waitForCard,
  type AcrBaud,
  type CardConnection,
  type CardInfo,
  type CardReader,
  type LogRecord,
} from '../../card-driver';

export type CardCommandErrorCode = 'reader_choice';

export class CardCommandError extends Error {
  override readonly name = 'CardCommandError';
  constructor(
    readonly code: CardCommandErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ReaderChoice {
  reader?: string;
  tty?: string;
  baud?: AcrBaud;
  /** How long to wait for a card to be presented. */
  waitMs: number;
}

interface OutputOptions {
  json?: boolean;
}

const PURSE_LABEL = { ecash: 'e-Cash', food: 'Food Voucher' } as const;
/** The currencies a demo meets; any other code is shown as its number only. */
const CURRENCY_NAME: Record<string, string> = { '0356': 'INR', '0978': 'EUR', '0840': 'USD' };

/** Minor units → "250.00". Amounts on the card are whole minor units; no float is involved. */
export function formatMinor(minor: bigint): string {
  const sign = minor < 0n ? '-' : '';
  const abs = minor < 0n ? -minor : minor;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** Opens the chosen reader, waits for a card, runs `use` on it and releases everything. */
export async function withCard<T>(choice: ReaderChoice, use: (connection: CardConnection) => Promise<T>): Promise<T> {
  if (Boolean(choice.reader) === Boolean(choice.tty)) {
    throw new CardCommandError(
      'reader_choice',
      'Name exactly one reader: --reader "<PC/SC reader name>" or --tty <serial port of an ACR30>.',
    );
  }
  let reader: CardReader;
  let release: () => Promise<void>;
  if (choice.reader) {
    const service = PcscService.open();
    try {
      reader = await service.reader(choice.reader);
    } catch (err) {
      await service.close();
      throw err;
    }
    release = () => service.close();
  } else {
    const acr30 = await Acr30Reader.open({ path: choice.tty as string, baud: choice.baud });
    reader = acr30;
    release = () => acr30.close();
  }
  try {
    await waitForCard(reader, choice.waitMs);
    const connection = await reader.connect();
    try {
      return await use(connection);
    } finally {
      await connection.disconnect().catch(() => undefined);
    }
  } finally {
    await release();
  }
}

export interface CardReport {
  info: CardInfo;
  balances: { ecash: bigint; food: bigint };
  /** ATC_card: the ATC of the newest log record, 0 for an unused card (spec 4.1). */
  atc: number;
  log: LogRecord[];
}

export async function readCardReport(connection: CardConnection): Promise<CardReport> {
  const session = new EsmartSession(connection);
  const info = await session.select();
  const balances = await session.balances();
  const log = await session.readWholeLog();
  return { info, balances, atc: log[0]?.atc ?? 0, log };
}

function currencyText(code: string): string {
  const name = CURRENCY_NAME[code];
  return name ? `${code} (${name})` : code;
}

export function renderInfo(r: CardReport): string {
  return [
    `CSN          ${formatCsn(r.info.csn)}`,
    `currency     ${currencyText(r.info.currency)}`,
    `max balance  ${formatMinor(r.info.maxBalance)} per purse`,
    `e-Cash       ${formatMinor(r.balances.ecash)}`,
    `Food Voucher ${formatMinor(r.balances.food)}`,
    `ATC          ${r.atc}`,
    `log          ${r.log.length} record(s)`,
  ].join('\n');
}

export function renderBalances(r: Pick<CardReport, 'info' | 'balances'>): string {
  return [
    `CSN          ${formatCsn(r.info.csn)}`,
    `e-Cash       ${formatMinor(r.balances.ecash)}`,
    `Food Voucher ${formatMinor(r.balances.food)}`,
  ].join('\n');
}

export function renderLog(r: Pick<CardReport, 'info' | 'log'>): string {
  if (r.log.length === 0) return `card ${formatCsn(r.info.csn)}: the log is empty`;
  const rows = r.log.map((rec, i) => [
    String(i + 1),
    rec.type,
    PURSE_LABEL[purseName(rec.purse)],
    String(rec.atc),
    formatMinor(rec.amount),
    formatMinor(rec.balanceAfter),
    rec.counterparty.toString('hex').toUpperCase(),
    String(rec.seq),
    rec.mac.toString('hex').toUpperCase(),
  ]);
  const header = ['#', 'type', 'purse', 'ATC', 'amount', 'balance after', 'RH / SAM id', 'SAM seq', 'MAC'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]): string => cells.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd();
  return [`card ${formatCsn(r.info.csn)}, newest first`, line(header), ...rows.map(line)].join('\n');
}

/** JSON for scripts: amounts as decimal strings, bytes as upper-case hex. */
export function reportJson(r: Partial<CardReport> & Pick<CardReport, 'info'>): string {
  return JSON.stringify(
    r,
    (_key, value: unknown) => {
      if (typeof value === 'bigint') return formatMinor(value);
      if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer') {
        return Buffer.from((value as { data: number[] }).data).toString('hex').toUpperCase();
      }
      return value;
    },
    2,
  );
}

function parseBaud(text: string): AcrBaud {
  const n = Number(text);
  if (!isAcrBaud(n)) throw new InvalidArgumentError('one of 9600, 14400, 19200, 28800, 38400, 57600, 115200');
  return n;
}

function parseWait(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 600_000) throw new InvalidArgumentError('milliseconds 1..600000');
  return n;
}

function readerOptions(command: Command): Command {
  return command
    .option('--reader <name>', 'PC/SC reader name, e.g. "Virtual PCD 00 00"')
    .option('--tty <path>', 'serial port of an ACS ACR30S')
    .option('--baud <bps>', 'ACR30 line speed to switch to after opening (SET_PROTOCOL)', parseBaud)
    .option('--wait <ms>', 'how long to wait for a card', parseWait, 10_000)
    .option('--json', 'machine-readable output');
}

type CardCommandOptions = OutputOptions & Omit<ReaderChoice, 'waitMs'> & { wait: number };

function choice(o: CardCommandOptions): ReaderChoice {
  return { reader: o.reader, tty: o.tty, baud: o.baud, waitMs: o.wait };
}

const print = (text: string): void => void process.stdout.write(`${text}\n`);

export function registerCardCommands(program: Command): void {
  const card = program.command('card').description("read an e-Smart card's public data through a PC/SC or ACR30 reader");

  readerOptions(card.command('info').description('CSN, currency, purse balances, ATC and log size')).action(
    async (o: CardCommandOptions) => {
      const report = await withCard(choice(o), readCardReport);
      print(o.json ? reportJson(report) : renderInfo(report));
    },
  );

  readerOptions(card.command('balance').description('the two purse balances')).action(async (o: CardCommandOptions) => {
    const report = await withCard(choice(o), async (connection) => {
      const session = new EsmartSession(connection);
      return { info: await session.select(), balances: await session.balances() };
    });
    print(o.json ? reportJson(report) : renderBalances(report));
  });

  readerOptions(card.command('log').description('the transaction log, decoded, newest first')).action(
    async (o: CardCommandOptions) => {
      const report = await withCard(choice(o), async (connection) => {
        const session = new EsmartSession(connection);
        return { info: await session.select(), log: await session.readWholeLog() };
      });
      print(o.json ? reportJson(report) : renderLog(report));
    },
  );
}
