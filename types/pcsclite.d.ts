// Strict declarations for `pcsclite` 1.0.1 (santigimeno/node-pcsclite). The package ships its own
// index.d.ts, but it types every error and callback value as `any`; this ambient module takes
// precedence and states what lib/pcsclite.js and src/cardreader.cpp actually pass.
declare module 'pcsclite' {
  import { EventEmitter } from 'node:events';

  namespace pcsclite {
    interface ConnectOptions {
      share_mode?: number;
      protocol?: number;
    }

    interface ReaderStatus {
      /** Raw dwEventState: flag bits, plus pcsc-lite's event counter in the upper 16 bits. */
      state: number;
      atr?: Buffer;
    }

    interface PCSCLiteEvents {
      reader: [reader: CardReader];
      error: [error: Error];
    }

    interface PCSCLite extends EventEmitter<PCSCLiteEvents> {
      /** The readers currently known, by name. */
      readers: Record<string, CardReader>;
      close(): void;
    }

    interface CardReaderEvents {
      status: [status: ReaderStatus];
      end: [];
      error: [error: Error];
    }

    interface CardReader extends EventEmitter<CardReaderEvents> {
      readonly SCARD_SHARE_SHARED: number;
      readonly SCARD_SHARE_EXCLUSIVE: number;
      readonly SCARD_SHARE_DIRECT: number;
      readonly SCARD_PROTOCOL_T0: number;
      readonly SCARD_PROTOCOL_T1: number;
      readonly SCARD_PROTOCOL_RAW: number;
      readonly SCARD_STATE_UNAWARE: number;
      readonly SCARD_STATE_IGNORE: number;
      readonly SCARD_STATE_CHANGED: number;
      readonly SCARD_STATE_UNKNOWN: number;
      readonly SCARD_STATE_UNAVAILABLE: number;
      readonly SCARD_STATE_EMPTY: number;
      readonly SCARD_STATE_PRESENT: number;
      readonly SCARD_STATE_ATRMATCH: number;
      readonly SCARD_STATE_EXCLUSIVE: number;
      readonly SCARD_STATE_INUSE: number;
      readonly SCARD_STATE_MUTE: number;
      readonly SCARD_LEAVE_CARD: number;
      readonly SCARD_RESET_CARD: number;
      readonly SCARD_UNPOWER_CARD: number;
      readonly SCARD_EJECT_CARD: number;
      readonly name: string;
      /** Set by the library right after each 'status' event is emitted. */
      state: number;
      connected: boolean;
      SCARD_CTL_CODE(code: number): number;
      get_status(cb: (err: Error | null | undefined, state: number, atr?: Buffer) => void): void;
      connect(cb: (err: Error | null | undefined, protocol: number) => void): void;
      connect(options: ConnectOptions, cb: (err: Error | null | undefined, protocol: number) => void): void;
      disconnect(cb: (err: Error | null | undefined) => void): void;
      disconnect(disposition: number, cb: (err: Error | null | undefined) => void): void;
      /** `data` may be empty (not undefined) when the card vanished during the exchange. */
      transmit(
        data: Buffer,
        resLen: number,
        protocol: number,
        cb: (err: Error | null | undefined, data: Buffer | undefined) => void,
      ): void;
      control(
        data: Buffer,
        controlCode: number,
        resLen: number,
        cb: (err: Error | null | undefined, data: Buffer | undefined) => void,
      ): void;
      close(): void;
    }
  }

  function pcsclite(): pcsclite.PCSCLite;
  export = pcsclite;
}
