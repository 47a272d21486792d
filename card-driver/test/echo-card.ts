// A tiny card for transport tests, standing in for nothing of the e-Smart application: it proves that
// bytes travel unchanged and lets a test see whether a command was executed.
import type { VirtualCard } from '../vpcd/vpcd-card-connector';

const SW_OK = Buffer.from([0x90, 0x00]);

function atrWithTck(body: number[]): Buffer {
  const tck = body.slice(1).reduce((x, b) => x ^ b, 0);
  return Buffer.from([...body, tck]);
}

export class EchoCard implements VirtualCard {
  /** T=1 ATR with historical bytes "ECHOCARD". */
  readonly atr = atrWithTck([0x3b, 0x88, 0x80, 0x01, ...Buffer.from('ECHOCARD', 'latin1')]);
  /** How many times COUNT (80 C5) ran: lets a test tell "executed" from "never arrived". */
  counter = 0;
  readonly seen: Buffer[] = [];
  powerOffs = 0;

  process(apdu: Buffer): Buffer {
    this.seen.push(Buffer.from(apdu));
    const [cla, ins] = apdu;
    if (cla === 0x00 && ins === 0xa4) return SW_OK;
    if (cla === 0x80 && ins === 0xee) {
      // ECHO: case 3 or 4; returns the command data.
      const lc = apdu[4] ?? 0;
      return Buffer.concat([apdu.subarray(5, 5 + lc), SW_OK]);
    }
    if (cla === 0x80 && ins === 0xc5) {
      this.counter += 1;
      return Buffer.from([this.counter >> 8, this.counter & 0xff, 0x90, 0x00]);
    }
    return Buffer.from([0x6d, 0x00]);
  }

  powerOff(): void {
    this.powerOffs += 1;
  }
}

export const ECHO = (data: Buffer): Buffer => Buffer.concat([Buffer.from([0x80, 0xee, 0x00, 0x00, data.length]), data, Buffer.from([data.length])]);
export const COUNT = Buffer.from([0x80, 0xc5, 0x00, 0x00, 0x02]);
export const SELECT_ANY = Buffer.from([0x00, 0xa4, 0x04, 0x00, 0x02, 0x3f, 0x00]);
