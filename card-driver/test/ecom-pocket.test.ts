// The eCom Pocket against the portal's side of the codes (the key store), spec 4.2.
import { csnWithCheckDigit, EcomPocket, PocketError, PURSE, SimulatedCard, testKeyStore, type PocketState } from '../index';

const keys = testKeyStore();
const csn = csnWithCheckDigit('607100000000555');
const newPocket = (): EcomPocket => new EcomPocket(SimulatedCard.issue(keys, csn));

/** What the portal does with a request code: verify it and answer the authorization code. */
function portalAuthorizes(requestCode: string, purse: 1 | 2, amount: bigint): string {
  const check = keys.verifyRequestCode({ csn, purse, amount }, requestCode);
  if (!check.valid) throw new Error(check.message);
  return keys.authorizationCode({ csn, atc: check.atc, purse, amount });
}

function pocketError(run: () => unknown): PocketError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(PocketError);
    return err as PocketError;
  }
  throw new Error('expected the pocket to refuse');
}

test('request → authorization → confirmation loads the card, and the portal accepts the confirmation', () => {
  const pocket = newPocket();
  const request = pocket.requestCode(PURSE.food, 10_000n);
  expect(request).toMatch(/^[0-9]{14}$/);
  const confirmation = pocket.enterAuthorizationCode(portalAuthorizes(request, PURSE.food, 10_000n));
  expect(keys.verifyConfirmationCode({ csn, atc: 1, purse: PURSE.food, amount: 10_000n }, confirmation)).toEqual({ valid: true });
  expect(pocket.balances()).toEqual({ ecash: 0n, food: 10_000n });
});

test('the last confirmation code can be shown again', () => {
  const pocket = newPocket();
  const confirmation = pocket.enterAuthorizationCode(portalAuthorizes(pocket.requestCode(PURSE.ecash, 500n), PURSE.ecash, 500n));
  expect(pocket.lastConfirmationCode()).toBe(confirmation);
});

test('with no load yet there is no confirmation to show', () => {
  expect(pocketError(() => newPocket().lastConfirmationCode()).code).toBe('no_load_yet');
});

test('a mistyped authorization code is refused without costing an attempt', () => {
  const pocket = newPocket();
  const auth = portalAuthorizes(pocket.requestCode(PURSE.ecash, 500n), PURSE.ecash, 500n);
  const typo = auth.slice(0, 3) + ((Number(auth[3]) + 1) % 10) + auth.slice(4);
  expect(pocketError(() => pocket.enterAuthorizationCode(typo))).toMatchObject({ code: 'mistyped_code', attemptsLeft: 3 });
  expect(pocket.enterAuthorizationCode(auth)).toMatch(/^[0-9]{9}$/);
});

test('a wrong but well-formed code costs an attempt; the third cancels the load', () => {
  const pocket = newPocket();
  pocket.requestCode(PURSE.ecash, 500n);
  const wrong = '123456782'; // valid Luhn digit, wrong MAC
  expect(pocketError(() => pocket.enterAuthorizationCode(wrong))).toMatchObject({ code: 'wrong_code', attemptsLeft: 2 });
  expect(pocketError(() => pocket.enterAuthorizationCode(wrong))).toMatchObject({ code: 'wrong_code', attemptsLeft: 1 });
  expect(pocketError(() => pocket.enterAuthorizationCode(wrong))).toMatchObject({ code: 'load_cancelled', attemptsLeft: 0 });
  expect(pocket.card.hasPendingLoad).toBe(false);
  expect(pocketError(() => pocket.enterAuthorizationCode(wrong)).code).toBe('no_pending_load');
});

test('a code typed with no load waiting is refused', () => {
  expect(pocketError(() => newPocket().enterAuthorizationCode('094868981')).code).toBe('no_pending_load');
});

test('a load past MAXBAL is refused by the card', () => {
  expect(pocketError(() => newPocket().requestCode(PURSE.ecash, 2_000_000n)).code).toBe('card_refused');
});

test('the pocket and its waiting load survive a JSON round trip (a CLI run in between)', () => {
  const pocket = newPocket();
  const request = pocket.requestCode(PURSE.food, 777n);
  const saved = JSON.parse(JSON.stringify(pocket.snapshot())) as PocketState;
  const later = EcomPocket.restore(saved, keys);
  expect(later.pendingLoad).toEqual({ purse: PURSE.food, amount: 777n, attemptsLeft: 3 });
  expect(later.enterAuthorizationCode(portalAuthorizes(request, PURSE.food, 777n))).toMatch(/^[0-9]{9}$/);
  expect(later.card.balance(PURSE.food)).toBe(777n);
});
