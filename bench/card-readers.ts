// Benchmark: the reader transports under a full online e-Smart load (SELECT → INITIALIZE LOAD →
// MAC1 check → MAC2 → CREDIT LOAD → MAC3 check).
//
//   card.acr30_9600.overhead_pct    time of a load over the ACR30 at 9600 bps, above the wire-time
//                                   floor of the bytes actually sent and received (10 bits a byte)
//   card.acr30_115200.overhead_pct  the same after SET_PROTOCOL to 115200 bps
//   card.pcsc.loads_per_s           loads per second through pcscd and vpcd on one reader
//   card.acr30.pty_round_trip_ms    (context) one GET_ACR_STAT round trip with pacing off: the cost
//                                   of the pty + socat + serialport hops that a real line does not
//                                   have, and which the overhead figures include
//
//   node dist/bench/card-readers.js [--quick] [--vpcd-port P]
//
// The ACR30 runs against the simulator over a socat pty pair; the simulator paces both directions
// at the line speed and the card answers at once, so everything above the floor is the driver, the
// pty, Node's timers and the host's MAC work. The overhead figure is the median over the loads
// (each load against its own floor): on a shared box other processes' bursts stall single loads by
// tens of milliseconds, which a mean would report as driver overhead. Mean and worst go to stderr. The PC/SC figure needs pcscd with vpcd (services up);
// it uses vpcd slot 1 (PURSEFLOW_VPCD_PORT + 1) unless --vpcd-port names another.
import { performance } from 'node:perf_hooks';
import {
  Acr30Reader,
  Acr30Simulator,
  PcscService,
  performOnlineLoad,
  PURSE,
  SimulatedCard,
  testKeyStore,
  VpcdCardConnector,
  wireTimeMs,
  csnWithCheckDigit,
  type AcrBaud,
  type CardReader,
} from '../card-driver';
import { openSocatPair } from '../test-support/socat-pair';

const quick = process.argv.includes('--quick');
const portArg = process.argv.indexOf('--vpcd-port');
const vpcdPort =
  portArg > 0 ? Number(process.argv[portArg + 1]) : Number(process.env.PURSEFLOW_VPCD_PORT ?? 35963) + 1;
const keys = testKeyStore();
const csn = csnWithCheckDigit('607100000000001');

function report(name: string, value: number, unit: string): void {
  process.stdout.write(`bench ${name} ${value.toFixed(unit === '%' ? 1 : 2)} ${unit}\n`);
}

async function acr30Overhead(baud: AcrBaud, loads: number): Promise<number> {
  const pair = await openSocatPair();
  const card = SimulatedCard.issue(keys, csn);
  const sim = await Acr30Simulator.open({ path: pair.devicePath, card, announceReset: false });
  const reader = await Acr30Reader.open({ path: pair.hostPath, baud });
  try {
    const connection = await reader.connect();
    // One warm-up load: JIT, first MAC key schedules.
    await performOnlineLoad(connection, keys, { purse: PURSE.ecash, amount: 1n });
    const ratios: number[] = [];
    let totalMs = 0;
    let totalFloor = 0;
    for (let i = 0; i < loads; i += 1) {
      const bytesBefore = reader.counters.bytesSent + reader.counters.bytesReceived;
      const started = performance.now();
      await performOnlineLoad(connection, keys, { purse: PURSE.ecash, amount: 1n });
      const elapsed = performance.now() - started;
      const floor = wireTimeMs(reader.counters.bytesSent + reader.counters.bytesReceived - bytesBefore, baud);
      ratios.push(elapsed / floor);
      totalMs += elapsed;
      totalFloor += floor;
    }
    ratios.sort((a, b) => a - b);
    const median = ratios[Math.floor(ratios.length / 2)];
    process.stderr.write(
      `acr30 ${baud} bps: ${loads} loads, floor ${(totalFloor / loads).toFixed(1)} ms/load; ` +
        `median ${(median * (totalFloor / loads)).toFixed(1)} ms/load, mean ${(totalMs / loads).toFixed(1)} ms/load ` +
        `(mean overhead ${((totalMs / totalFloor - 1) * 100).toFixed(1)} %, worst ${((ratios[ratios.length - 1] - 1) * 100).toFixed(0)} %)\n`,
    );
    return (median - 1) * 100;
  } finally {
    await reader.close();
    await sim.close();
    await pair.close();
  }
}

function once(reader: CardReader, event: 'card-inserted' | 'card-removed', timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${reader.name}: no ${event} within ${timeoutMs} ms`)), timeoutMs);
    reader.once(event, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function pcscLoadsPerSecond(seconds: number): Promise<number> {
  const service = PcscService.open();
  const card = SimulatedCard.issue(keys, csn);
  const connector = new VpcdCardConnector({ card, port: vpcdPort });
  try {
    const names = (await service.listReaders(3000)).filter((n) => n.startsWith('Virtual PCD')).sort();
    const slot = vpcdPort - Number(process.env.PURSEFLOW_VPCD_PORT ?? 35963);
    const name = names[slot];
    if (!name) throw new Error(`no vpcd reader for port ${vpcdPort} (readers: ${names.join(', ') || 'none'})`);
    const reader = await service.reader(name);
    if (reader.cardPresent) await once(reader, 'card-removed', 5000);
    const inserted = once(reader, 'card-inserted', 5000);
    await connector.insert();
    await inserted;
    const connection = await reader.connect();
    await performOnlineLoad(connection, keys, { purse: PURSE.ecash, amount: 1n });
    let loads = 0;
    const started = performance.now();
    const until = started + seconds * 1000;
    while (performance.now() < until) {
      await performOnlineLoad(connection, keys, { purse: PURSE.ecash, amount: 1n });
      loads += 1;
    }
    const elapsed = (performance.now() - started) / 1000;
    process.stderr.write(`pcsc: ${loads} loads in ${elapsed.toFixed(2)} s through "${name}"\n`);
    await connection.disconnect();
    return loads / elapsed;
  } finally {
    await connector.remove();
    await service.close();
  }
}

async function ptyRoundTripMs(commands: number): Promise<number> {
  const pair = await openSocatPair();
  const sim = await Acr30Simulator.open({ path: pair.devicePath, card: null, announceReset: false, paced: false });
  const reader = await Acr30Reader.open({ path: pair.hostPath });
  try {
    await reader.status();
    const started = performance.now();
    for (let i = 0; i < commands; i += 1) await reader.status();
    return (performance.now() - started) / commands;
  } finally {
    await reader.close();
    await sim.close();
    await pair.close();
  }
}

async function main(): Promise<void> {
  report('card.acr30.pty_round_trip_ms', await ptyRoundTripMs(quick ? 50 : 200), 'ms');
  report('card.acr30_9600.overhead_pct', await acr30Overhead(9600, quick ? 5 : 20), '%');
  report('card.acr30_115200.overhead_pct', await acr30Overhead(115200, quick ? 20 : 100), '%');
  report('card.pcsc.loads_per_s', await pcscLoadsPerSecond(quick ? 3 : 10), 'loads/s');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench card-readers failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
