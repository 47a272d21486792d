// The vector APDUs of spec/vectors.json, byte for byte: the host side builds exactly the command
// APDUs, and the simulated card answers exactly the responses.
import {
  AID,
  computeMac1,
  computeMac2,
  computeMac3,
  computePurchaseMac,
  creditLoadCommand,
  debitCommand,
  decodeRecord,
  EcomPocket,
  encodeEstbFile,
  ESMART_ATR,
  EsmartSession,
  formatAuthorizationCode,
  formatConfirmationCode,
  formatRequestCode,
  getBalanceCommand,
  inMemoryChannel,
  initializeLoadCommand,
  parseCsn,
  parseSamId,
  parseTransferCardId,
  performOnlineLoad,
  PURSE,
  SimulatedCard,
  SimulatedPos,
  SimulatedSam,
  selectCommand,
  SecretKey,
  testKeyStore,
  verifyEstb,
  type LoadSession,
} from '../index';
import { Readable } from 'node:stream';
import { hex, toHex, vectors } from './spec-vectors';

const keys = testKeyStore();
const csn = parseCsn(vectors.card.CSN);
const ol = vectors.online_load;
const off = vectors.offline_load;
const pu = vectors.purchase;
const fixedRandom = (rc: string) => (n: number): Buffer => {
  expect(n).toBe(8);
  return hex(rc);
};

/** The card of the vectors, taken through online load → offline load → purchase. */
function vectorCard(): SimulatedCard {
  return SimulatedCard.issue(keys, csn, { random: fixedRandom(ol.RC) });
}

describe('ATR and identities', () => {
  test('the simulated card answers the vector ATR (TCK included)', () => {
    expect(toHex(ESMART_ATR)).toBe(vectors.card.ATR);
  });
  test('the AID is F0 45 53 4D 41 52 54 01', () => {
    expect(toHex(AID)).toBe('F045534D41525401');
  });
});

describe('online load vector', () => {
  const session: LoadSession = { csn, atc: ol.ATC, purse: PURSE.ecash, amount: BigInt(ol.amount), rh: hex(ol.RH), rc: hex(ol.RC) };
  const kl = SecretKey.fromHex(vectors.card.KL, 'KL');

  test('MAC1, MAC2 and MAC3 from KL', () => {
    expect(toHex(computeMac1(kl, session))).toBe(ol.MAC1);
    expect(toHex(computeMac2(kl, session))).toBe(ol.MAC2);
    expect(toHex(computeMac3(kl, session))).toBe(ol.MAC3);
  });

  test('the key store verifies MAC1 and MAC3 and produces MAC2 without showing KL', () => {
    expect(keys.verifyMac1(session, hex(ol.MAC1))).toBe(true);
    expect(toHex(keys.mac2(session))).toBe(ol.MAC2);
    expect(keys.verifyMac3(session, hex(ol.MAC3))).toBe(true);
    expect(keys.verifyMac3(session, hex('00000000'))).toBe(false);
  });

  test('the command builders give the vector command APDUs', () => {
    expect(toHex(selectCommand())).toBe(ol.apdus[0].c);
    expect(toHex(getBalanceCommand(PURSE.ecash))).toBe(ol.apdus[1].c);
    expect(toHex(initializeLoadCommand({ mode: 'online', purse: PURSE.ecash, amount: BigInt(ol.amount), rh: hex(ol.RH) }))).toBe(ol.apdus[2].c);
    expect(toHex(creditLoadCommand({ mode: 'online', purse: PURSE.ecash, amount: BigInt(ol.amount), auth: hex(ol.MAC2) }))).toBe(ol.apdus[3].c);
  });

  test('the simulated card answers each vector command with the vector response', () => {
    const card = vectorCard();
    for (const { c, r } of ol.apdus) expect(toHex(card.process(hex(c)))).toBe(r);
  });

  test('the host session drives the card through exactly the vector exchange', async () => {
    const card = vectorCard();
    const exchanged: { c: string; r: string }[] = [];
    const channel = inMemoryChannel(card, (c, r) => exchanged.push({ c: toHex(c), r: toHex(r) }));
    await new EsmartSession(channel).select();
    await new EsmartSession(channel).balance(PURSE.ecash);
    exchanged.length = 0;
    const result = await performOnlineLoad(channel, keys, { csn, purse: PURSE.ecash, amount: BigInt(ol.amount), rh: hex(ol.RH) });
    expect(exchanged).toEqual([ol.apdus[0], ol.apdus[2], ol.apdus[3]]);
    expect(result.newBalance).toBe(25000n);
    expect(toHex(result.mac3)).toBe(ol.MAC3);
  });
});

describe('offline load vector', () => {
  const credit = { csn, atc: off.ATC, purse: PURSE.food, amount: BigInt(off.amount) };
  const zero = Buffer.alloc(8);
  const kl = SecretKey.fromHex(vectors.card.KL, 'KL');

  test('MAC1, MAC2, MAC3 with zero randoms', () => {
    expect(toHex(computeMac1(kl, { ...credit, rh: zero, rc: zero }))).toBe(off.MAC1);
    expect(toHex(computeMac2(kl, { ...credit, rh: zero, rc: zero }))).toBe(off.MAC2);
    expect(toHex(computeMac3(kl, credit))).toBe(off.MAC3);
  });

  test('the three codes format as in the vector', () => {
    expect(formatRequestCode(off.ATC, hex(off.MAC1))).toBe(off.request_code);
    expect(formatAuthorizationCode(hex(off.MAC2))).toBe(off.authorization_code);
    expect(formatConfirmationCode(hex(off.MAC3))).toBe(off.confirmation_code);
  });

  test('the key store checks the request code, issues the authorization code and checks the confirmation', () => {
    expect(keys.verifyRequestCode({ csn, purse: PURSE.food, amount: BigInt(off.amount) }, off.request_code)).toEqual({ valid: true, atc: 2 });
    expect(keys.authorizationCode(credit)).toBe(off.authorization_code);
    expect(keys.verifyConfirmationCode(credit, off.confirmation_code)).toEqual({ valid: true });
  });

  test('the offline CREDIT LOAD APDU carries the 8 authorization digits as an integer', () => {
    expect(toHex(creditLoadCommand({ mode: 'offline', purse: PURSE.food, amount: BigInt(off.amount), auth: hex('0090C232') }))).toBe(off.credit_apdu);
  });

  test('the pocket shows the vector request code and, given the authorization code, the vector confirmation code', async () => {
    const card = vectorCard();
    await performOnlineLoad(inMemoryChannel(card), keys, { csn, purse: PURSE.ecash, amount: BigInt(ol.amount), rh: hex(ol.RH) });
    const pocket = new EcomPocket(card);
    const process = jest.spyOn(card, 'process');
    expect(pocket.requestCode(PURSE.food, BigInt(off.amount))).toBe(off.request_code);
    expect(pocket.enterAuthorizationCode(off.authorization_code)).toBe(off.confirmation_code);
    expect(process.mock.calls.map(([apdu]) => toHex(apdu))).toContain(off.credit_apdu);
    expect(pocket.lastConfirmationCode()).toBe(off.confirmation_code);
  });
});

describe('purchase and .estb vectors', () => {
  const samId = parseSamId(pu.SAM_id);
  const proof = { csn, atc: pu.ATC, purse: PURSE.ecash, amount: BigInt(pu.amount), newBalance: BigInt(pu.new_balance), samId, samSeq: pu.SAM_seq };

  test('MACP from KP', () => {
    expect(toHex(computePurchaseMac(SecretKey.fromHex(vectors.card.KP, 'KP'), proof))).toBe(pu.MACP);
    expect(keys.verifyPurchaseMac(proof, hex(pu.MACP))).toBe(true);
  });

  test('the DEBIT command APDU', () => {
    expect(toHex(debitCommand({ purse: PURSE.ecash, amount: BigInt(pu.amount), samId, samSeq: pu.SAM_seq }))).toBe(pu.debit_apdu);
  });

  test('the simulated POS, SAM and card produce the vector record after the two loads', async () => {
    const card = vectorCard();
    await performOnlineLoad(inMemoryChannel(card), keys, { csn, purse: PURSE.ecash, amount: BigInt(ol.amount), rh: hex(ol.RH) });
    const pocket = new EcomPocket(card);
    pocket.requestCode(PURSE.food, BigInt(off.amount));
    pocket.enterAuthorizationCode(off.authorization_code);
    const time = decodeRecord(hex(pu.record)).time;
    const pos = new SimulatedPos(SimulatedSam.issue(keys, samId, pu.SAM_seq), () => time);
    expect(toHex(pos.purchase(card, PURSE.ecash, BigInt(pu.amount)))).toBe(pu.record);
  });

  test('the Transfer card file of the vector, MAC trailer included', () => {
    const file = hex(vectors.estb.file);
    const created = file.readUInt32BE(21);
    const built = encodeEstbFile({ transferCardId: parseTransferCardId(vectors.estb.transfer_card_id), batchSeq: vectors.estb.batch_seq, created }, [hex(pu.record)], keys.transferCardKey(parseTransferCardId(vectors.estb.transfer_card_id)));
    expect(toHex(built)).toBe(vectors.estb.file);
  });

  test('the vector file verifies: file MAC, MACP and MACS hold', async () => {
    const summary = await verifyEstb(Readable.from([hex(vectors.estb.file)]), { keys });
    expect(summary).toMatchObject({ fileAccepted: true, records: 1, acceptedRecords: 1, rejectedRecords: 0 });
    expect(summary.header).toMatchObject({ transferCardId: vectors.estb.transfer_card_id, batchSeq: 5, recordCount: 1 });
  });
});
