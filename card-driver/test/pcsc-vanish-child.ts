// Run in a child process by pcsc-reader-vanished.test.ts, against a private pcscd the parent kills
// while a command is in flight. Prints one JSON line per step on stdout.
import { PcscService } from '../reader/pcsc-reader';
import { ReaderError } from '../reader/reader-error';
import { VpcdCardConnector } from '../vpcd/vpcd-card-connector';
import { COUNT, EchoCard } from './echo-card';

const say = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

async function main(): Promise<void> {
  const port = Number(process.env.VANISH_VPCD_PORT);
  const service = PcscService.open({ commandTimeoutMs: 5000 });
  const reader = await service.reader('Virtual PCD 00 00', 20_000);
  const vanished = new Promise<ReaderError>((resolve) => reader.once('reader-vanished', resolve));
  const connector = new VpcdCardConnector({ card: new EchoCard(), port, responseDelayMs: 3000 });
  const inserted = new Promise<void>((resolve) => reader.once('card-inserted', () => resolve()));
  await connector.insert();
  await inserted;
  const connection = await reader.connect();
  const pending = connection.transmit(COUNT);
  say({ step: 'transmitting' });
  const err = await pending.then(
    () => null,
    (e: unknown) => e,
  );
  say({ step: 'transmit', code: err instanceof ReaderError ? err.code : String(err), fate: err instanceof ReaderError ? err.fate : null, status: err instanceof ReaderError ? err.status : null });
  const event = await Promise.race([vanished, new Promise<null>((r) => setTimeout(() => r(null), 3000))]);
  say({ step: 'event', code: event?.code ?? null });
  const after = await reader.connect().then(
    () => null,
    (e: unknown) => e,
  );
  say({ step: 'connect-after', code: after instanceof ReaderError ? after.code : String(after) });
  await connector.remove();
  const fresh = await Promise.resolve()
    .then(() => PcscService.open().reader('Virtual PCD 00 00', 1000))
    .then(
      () => null,
      (e: unknown) => e,
    );
  say({ step: 'open-without-pcscd', code: fresh instanceof ReaderError ? fresh.code : String(fresh) });
  process.exit(0);
}

main().catch((err: unknown) => {
  say({ step: 'crash', message: String(err) });
  process.exit(1);
});
