import type { DownloadPhase, DownloadState } from '../../workflows/client';
import { downloadViewOf, evidenceOf } from '../bindings/download-view';

const owner = { downloadId: 'download-r1', customerId: 'cust-1', startedAt: new Date(0) };

function state(phase: DownloadPhase, extra: Partial<DownloadState> = {}): DownloadState {
  return {
    requestId: 'r1',
    csn: '6071000000000019',
    purse: 'ecash',
    amountMinor: '2500',
    mode: 'offline',
    phase,
    wrongCodes: 0,
    reminders: 0,
    history: [{ at: '2026-11-25T10:00:00Z', phase, note: `now ${phase}` }],
    ...extra,
  };
}

describe('DownloadWorkflow state as the portal shows it', () => {
  test.each([
    ['checking_card', 'started', false],
    ['awaiting_request_code', 'waiting_for_request_code', false],
    ['reserving', 'card_read', false],
    ['crediting', 'money_reserved', false],
    ['awaiting_card', 'money_reserved', false],
    ['awaiting_confirmation', 'waiting_for_confirmation_code', false],
    ['locked', 'needs_operator', false],
    ['needs_operator', 'needs_operator', false],
    ['posting', 'card_credited', false],
    ['posted', 'posted', true],
    ['voided', 'voided', true],
    ['failed', 'failed', true],
  ] as const)('phase %s is step %s (finished: %s)', (phase, step, finished) => {
    const view = downloadViewOf(owner, state(phase, { authorizationCode: '094868981' }));
    expect(view).toMatchObject({ step, finished, amountMinor: 2500n, customerId: 'cust-1' });
  });

  test('until the authorization code is issued, the customer is not asked for the confirmation code', () => {
    expect(downloadViewOf(owner, state('awaiting_confirmation')).step).toBe('money_reserved');
  });

  test('the authorization code is shown only while the confirmation is awaited', () => {
    expect(downloadViewOf(owner, state('awaiting_confirmation', { authorizationCode: '094868981' })).authorizationCode).toBe('094868981');
    expect(downloadViewOf(owner, state('posted', { authorizationCode: '094868981' })).authorizationCode).toBeNull();
  });

  test('the version grows with every event and every wrong code', () => {
    const a = downloadViewOf(owner, state('awaiting_request_code'));
    const b = downloadViewOf(owner, state('awaiting_request_code', { wrongCodes: 1 }));
    const c = downloadViewOf(owner, state('awaiting_confirmation', { history: [...state('x' as DownloadPhase).history, ...state('y' as DownloadPhase).history] }));
    expect(b.version).toBeGreaterThan(a.version);
    expect(c.version).toBeGreaterThan(b.version);
  });

  test('a failure says why in plain words', () => {
    expect(downloadViewOf(owner, state('failed', { failure: { code: 'insufficient_funds', message: 'Not enough money in the account.' } })).outcome).toBe('Not enough money in the account.');
  });
});

describe('evidence typed by an operator', () => {
  test.each([
    ['454 898 552', { kind: 'confirmation_code', code: '454898552' }],
    ['00002628825941', { kind: 'request_code', code: '00002628825941' }],
    ['ab'.repeat(28), { kind: 'log_record', recordHex: 'AB'.repeat(28) }],
    ['card destroyed, ticket 4711', { kind: 'operator_attestation', operator: 'ops@example.com', reference: 'card destroyed, ticket 4711' }],
  ])('"%s" is read as its kind', (text, evidence) => {
    expect(evidenceOf(text, 'ops@example.com')).toEqual(evidence);
  });
});
