// The server's two combined steps of a connected download, called as the worker calls them, against
// the real PostgreSQL ledger and a simulated card's real answers: what each may and may not leave
// behind when it refuses, fails half-way or runs twice.
import { randomBytes } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import { inMemoryChannel, initializeLoadCommand, parseInitializeLoadData, PURSE, selectCommand, SimulatedCard, successData, testKeyStore, type Csn, type KeyStore } from '../../card-driver';
import type { Ledger } from '../../ledger';
import { createServerActivities } from '../activities/server-activities';
import type { LoadSessionPayload } from '../activities/load-payloads';
import type { Registry } from '../registry';
import { freshCsn, keysUnableToSignMac2, openRegistryWorld, uniqueId, type RegistryWorld } from './harness';

jest.setTimeout(30_000);

const keys = testKeyStore();
let world: RegistryWorld;
let ledger: Ledger;
let registry: Registry;

beforeAll(async () => {
  world = await openRegistryWorld('server_steps');
  ({ ledger, registry } = world);
});

afterAll(async () => {
  await world?.close();
});

/** A funded customer's card, INITIALIZE LOAD answered by the simulated card: what the workflow holds then. */
async function initializedLoad(amountMinor: string): Promise<{ csn: Csn; session: LoadSessionPayload; mac1Hex: string; sourceAccountId: string; floatAccountId: string }> {
  const customerId = uniqueId('cust');
  await registry.enrolCustomer({ id: customerId, name: `Customer ${customerId}` });
  await registry.deposit({ depositId: uniqueId('dep'), customerId, amount: '100.00' });
  const csn = freshCsn();
  await registry.issueCard({ csn, customerId });
  const check = await activities(keys).checkCardForDownload({ csn, purse: 'ecash', amountMinor });
  const card = inMemoryChannel(SimulatedCard.issue(keys, csn));
  successData(await card.transmit(selectCommand()), 'SELECT');
  const rh = Buffer.from(check.rhHex, 'hex');
  const answer = parseInitializeLoadData(successData(await card.transmit(initializeLoadCommand({ mode: 'online', purse: PURSE.ecash, amount: BigInt(amountMinor), rh })), 'INITIALIZE LOAD'));
  return {
    csn,
    session: { csn, atc: answer.atc, purse: 'ecash', amountMinor, rhHex: check.rhHex, rcHex: answer.rc.toString('hex') },
    mac1Hex: answer.mac1.toString('hex'),
    sourceAccountId: check.sourceAccountId,
    floatAccountId: check.floatAccountId,
  };
}

function activities(keyStore: KeyStore) {
  return createServerActivities({ registry, ledger, keys: keyStore });
}

const quiet = new DefaultLogger('ERROR');
const run = <T>(step: () => Promise<T>): Promise<T> => new MockActivityEnvironment({}, { logger: quiet }).run(step);

const downloadKey = () => ({ workflowId: uniqueId('download'), originalRunId: randomBytes(16).toString('hex') });

async function pendingOn(accountId: string): Promise<bigint> {
  const [account] = await ledger.lookupAccounts([accountId]);
  return account.debitsPending;
}

test('a genuine answer is reserved and authorized in one step, and the step run again changes nothing', async () => {
  const load = await initializedLoad('2500');
  const key = downloadKey();
  const steps = activities(keys);
  const first = await run(() => steps.reserveAndAuthorizeLoad({ key, ...load }));
  const again = await run(() => steps.reserveAndAuthorizeLoad({ key, ...load }));
  expect(first).toEqual(again);
  expect(first).toMatchObject({ mac2Hex: expect.stringMatching(/^[0-9A-F]{8}$/) });
  expect(await pendingOn(load.sourceAccountId)).toBe(2500n);
});

test('a MAC1 that does not verify is refused as card_not_genuine and reserves nothing', async () => {
  const load = await initializedLoad('2500');
  const forged = Buffer.from(load.mac1Hex, 'hex');
  forged[3] ^= 0x01;
  const refused = await run(() => activities(keys).reserveAndAuthorizeLoad({ key: downloadKey(), ...load, mac1Hex: forged.toString('hex') })).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(ApplicationFailure);
  expect(refused).toMatchObject({ type: 'card_not_genuine', nonRetryable: true });
  expect(await pendingOn(load.sourceAccountId)).toBe(0n);
});

test('an account that cannot cover the load is refused as insufficient_funds and reserves nothing', async () => {
  const load = await initializedLoad('2500');
  const steps = activities(keys);
  // Another download took the money between the card check and this step.
  await run(() => steps.reserveLoad({ key: downloadKey(), csn: load.csn, atc: 0, purse: 'ecash', amountMinor: '9000', sourceAccountId: load.sourceAccountId, floatAccountId: load.floatAccountId }));
  const refused = await run(() => steps.reserveAndAuthorizeLoad({ key: downloadKey(), ...load })).catch((e: unknown) => e);
  expect(refused).toMatchObject({ type: 'insufficient_funds', nonRetryable: true });
  expect(await pendingOn(load.sourceAccountId)).toBe(9000n);
});

test('a MAC2 the key store cannot compute leaves the reservation standing and says why, so the workflow voids it', async () => {
  const load = await initializedLoad('2500');
  const answer = await run(() => activities(keysUnableToSignMac2(keys)).reserveAndAuthorizeLoad({ key: downloadKey(), ...load }));
  expect(answer).toEqual({ reservationId: expect.any(String), unauthorized: 'the key store is not reachable' });
  expect(await pendingOn(load.sourceAccountId)).toBe(2500n);
});

describe('posting on MAC3', () => {
  test('posts when MAC3 proves the credit, once however often it runs', async () => {
    const load = await initializedLoad('2500');
    const key = downloadKey();
    const steps = activities(keys);
    await run(() => steps.reserveAndAuthorizeLoad({ key, ...load }));
    const credit = { csn: load.csn, atc: load.session.atc, purse: 'ecash' as const, amountMinor: '2500' };
    const mac3Hex = keys.mac3({ csn: load.csn, atc: credit.atc, purse: PURSE.ecash, amount: 2500n }).toString('hex');
    const posted = await run(() => steps.postLoadOnMac3({ key, credit, mac3Hex }));
    expect(await run(() => steps.postLoadOnMac3({ key, credit, mac3Hex }))).toEqual(posted);
    expect(posted).toMatchObject({ posted: true });
    expect(await pendingOn(load.sourceAccountId)).toBe(0n);
    expect((await registry.card(load.csn)).purses.ecash.loadedMinor).toBe(2500n);
  });

  test.each([
    ['does not verify', '00000000', /does not verify/],
    ['is not 4 bytes', '00', /could not be checked/],
  ])('a MAC3 that %s posts nothing and says why: the reservation waits for proof from the card', async (_, mac3Hex, reason) => {
    const load = await initializedLoad('2500');
    const key = downloadKey();
    const steps = activities(keys);
    await run(() => steps.reserveAndAuthorizeLoad({ key, ...load }));
    const answer = await run(() => steps.postLoadOnMac3({ key, credit: { csn: load.csn, atc: load.session.atc, purse: 'ecash', amountMinor: '2500' }, mac3Hex }));
    expect(answer).toEqual({ posted: false, reason: expect.stringMatching(reason) });
    expect(await pendingOn(load.sourceAccountId)).toBe(2500n);
    expect((await registry.card(load.csn)).purses.ecash.loadedMinor).toBe(0n);
  });
});
