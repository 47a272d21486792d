"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.payoutTransferId = payoutTransferId;
exports.payOutMerchant = payOutMerchant;
const ledger_1 = require("../../ledger");
const registry_1 = require("../registry");
const registry_facts_1 = require("./registry-facts");
const settlement_error_1 = require("./settlement-error");
function payoutTransferId(merchantId, reference) {
    return (0, registry_1.nameBasedId)(`payout/${merchantId}/${reference}`);
}
async function payOutMerchant(deps, request) {
    const reference = typeof request.reference === 'string' ? request.reference.trim() : '';
    if (reference.length === 0 || reference.length > 100) {
        throw new settlement_error_1.SettlementError('invalid_argument', 'A payout needs a reference of 1-100 characters (the bank transfer reference); reuse it to repeat a payout safely.');
    }
    if (request.amountMinor !== undefined && (typeof request.amountMinor !== 'bigint' || request.amountMinor <= 0n)) {
        throw new settlement_error_1.SettlementError('invalid_argument', 'A payout amount is a positive number of minor units; leave it out to pay everything available.');
    }
    const merchant = await (0, registry_facts_1.settlingMerchant)(deps.db, request.merchantId);
    if (!merchant)
        throw new settlement_error_1.SettlementError('merchant_unknown', `Merchant ${request.merchantId} is not enrolled; check the id (purseflow merchants list).`);
    const transferId = payoutTransferId(merchant.id, reference);
    const base = { merchantId: merchant.id, reference, transferId };
    const [done] = await deps.ledger.lookupTransfers([transferId]);
    if (done)
        return { ...base, outcome: 'already_paid', amountMinor: done.amount };
    const [payable] = await deps.ledger.lookupAccounts([merchant.payableAccountId]);
    if (!payable)
        throw new settlement_error_1.SettlementError('payout_refused', `The ledger has no payable account for merchant ${merchant.id}; re-enrol the merchant (idempotent), then retry.`);
    const available = (0, ledger_1.accountBalance)(payable).available;
    // Checked before sending: a refused transfer id stays failed in the ledger, and the reference with it.
    if (available <= 0n)
        return { ...base, outcome: 'nothing_to_pay', amountMinor: 0n };
    if (request.amountMinor !== undefined && request.amountMinor > available) {
        throw new settlement_error_1.SettlementError('payout_refused', `Merchant ${merchant.id} has ${available} minor units available, less than the ${request.amountMinor} asked; pay out at most the available amount.`);
    }
    const [outcome] = await deps.ledger.createTransfers([
        {
            id: transferId,
            debitAccountId: merchant.payableAccountId,
            creditAccountId: (0, registry_facts_1.bankAccountId)(),
            // Without an amount, a balancing debit moves exactly what is available at that instant.
            amount: request.amountMinor ?? ledger_1.MAX_AMOUNT,
            flags: request.amountMinor === undefined ? { balancingDebit: true } : {},
            code: registry_1.TRANSFER_CODE.merchantPayout,
            userData: `payout/${reference}`.slice(0, 128),
        },
    ]);
    if (!(0, ledger_1.isTransferApplied)(outcome.result)) {
        throw new settlement_error_1.SettlementError('payout_refused', `The ledger refused the payout of merchant ${merchant.id} (${outcome.result}); check its balance and pay out with a new reference.`);
    }
    return { ...base, outcome: outcome.result === 'ok' ? 'paid' : 'already_paid', amountMinor: outcome.amount ?? request.amountMinor ?? 0n };
}
