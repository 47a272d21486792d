"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.refusal = refusal;
exports.createServerActivities = createServerActivities;
// The activities of the server worker: the registry, the ledger and the key store. Keys and MACs
// that unlock money stay here; what leaves is what the spec makes public (MAC1/MAC3 travel through
// the reader anyway) and MAC2 / the authorization code only after the reservation exists.
const node_crypto_1 = require("node:crypto");
const common_1 = require("@temporalio/common");
const activity_1 = require("@temporalio/activity");
const ledger_1 = require("../../ledger");
const card_driver_1 = require("../../card-driver");
const registry_1 = require("../registry");
const load_payloads_1 = require("./load-payloads");
const load_proof_1 = require("./load-proof");
/** A business refusal: the workflow must not retry it, and the customer can act on the message. */
function refusal(code, message, details) {
    return common_1.ApplicationFailure.create({ type: code, message, nonRetryable: true, details: details === undefined ? undefined : [details] });
}
/** The ledger said something that can only be a bug or a broken invariant: stop, loudly, for a person. */
function ledgerBroken(step, transferId, result) {
    return common_1.ApplicationFailure.create({
        type: 'ledger_inconsistent',
        nonRetryable: true,
        message: `The ledger answered ${result} to the ${step} of transfer ${transferId}; this download needs an operator (run purseflow ledger check).`,
    });
}
function createServerActivities(deps) {
    const { registry, ledger, keys } = deps;
    const pendingOf = (key) => (0, registry_1.transferIdFor)({ ...key, step: 'reserve' });
    return {
        /** Is the card ours and usable, and can its owner afford the load? Draws RH for the online load. */
        async checkCardForDownload(input) {
            let facts;
            try {
                facts = await registry.cardForDownload(input.csn, input.purse);
            }
            catch (err) {
                if (err instanceof registry_1.RegistryError && err.code === 'card_unknown') {
                    throw refusal('card_unknown', `Card ${input.csn} is not registered to any customer; register it first (purseflow cards issue) or check the number.`);
                }
                throw err;
            }
            if (facts.card.status === 'blocked') {
                throw refusal('card_blocked', `Card ${input.csn} is blocked (${facts.card.blockedReason}); nothing can be loaded onto it. The customer should contact support.`);
            }
            const [source] = await ledger.lookupAccounts([facts.sourceAccountId]);
            if (!source)
                throw common_1.ApplicationFailure.create({ type: 'registry_inconsistent', nonRetryable: true, message: `The ledger has no account ${facts.sourceAccountId} for customer ${facts.customer.id}; re-enrol the customer (idempotent).` });
            const available = (0, ledger_1.accountBalance)(source).available;
            if (available < (0, load_payloads_1.minorOf)(input.amountMinor)) {
                throw refusal('insufficient_funds', `The ${input.purse === 'ecash' ? 'virtual' : 'food-voucher'} account of customer ${facts.customer.id} holds ${available} minor units available, less than the ${input.amountMinor} asked; deposit first or ask for less.`);
            }
            return { customerId: facts.customer.id, sourceAccountId: facts.sourceAccountId, floatAccountId: facts.floatAccountId, rhHex: (0, load_payloads_1.hex)((0, node_crypto_1.randomBytes)(8)) };
        },
        /** MAC1 proves a genuine card answered INITIALIZE LOAD. */
        async verifyMac1(input) {
            if (!keys.verifyMac1((0, load_payloads_1.loadSessionOf)(input.session), (0, load_payloads_1.bytesOf)(input.mac1Hex, 4, 'MAC1'))) {
                throw refusal('card_not_genuine', `Card ${input.session.csn} answered with a MAC1 that does not verify: it is not a genuine card of ours. Nothing was reserved; keep the card aside.`);
            }
        },
        /** Reserves the amount (pending transfer customer → float), idempotent by the download's key. */
        async reserveLoad(input) {
            const id = pendingOf(input.key);
            const [outcome] = await ledger.createTransfers([
                {
                    id,
                    debitAccountId: input.sourceAccountId,
                    creditAccountId: input.floatAccountId,
                    amount: (0, load_payloads_1.minorOf)(input.amountMinor),
                    code: input.purse === 'ecash' ? registry_1.TRANSFER_CODE.downloadEcash : registry_1.TRANSFER_CODE.downloadFood,
                    flags: { pending: true },
                    userData: `${input.key.workflowId}`.slice(0, 128),
                },
            ]);
            if ((0, ledger_1.isTransferApplied)(outcome.result))
                return { reservationId: id };
            if (outcome.result === 'exceeds_credits' || outcome.result === 'id_already_failed') {
                throw refusal('insufficient_funds', `The account cannot cover ${input.amountMinor} minor units any more (another download or payment took it first); nothing was reserved. Deposit first or ask for less.`);
            }
            throw ledgerBroken('reservation', id, outcome.result);
        },
        /** MAC2, the card's authorization to credit; only ever asked for after the reservation. */
        async authorizeOnlineLoad(input) {
            await assertReserved(input.key);
            return { mac2Hex: (0, load_payloads_1.hex)(keys.mac2((0, load_payloads_1.loadSessionOf)(input.session))) };
        },
        async verifyMac3(input) {
            return { valid: keys.verifyMac3((0, load_payloads_1.loadCreditOf)(input.credit), (0, load_payloads_1.bytesOf)(input.mac3Hex, 4, 'MAC3')) };
        },
        /** Judges the card's log (hex records, newest first) against this load. */
        async judgeCardLog(input) {
            const records = input.recordsHex.map((r) => (0, card_driver_1.decodeLogRecord)((0, load_payloads_1.bytesOf)(r, 28, 'log record')));
            return (0, load_proof_1.judgeLog)(keys, (0, load_payloads_1.loadCreditOf)(input.credit), records);
        },
        /** One record handed over as evidence: does it prove the credit? */
        async judgeLogRecordEvidence(input) {
            let record;
            try {
                record = (0, card_driver_1.decodeLogRecord)((0, load_payloads_1.bytesOf)(input.recordHex.replace(/\s+/g, ''), 28, 'log record'));
            }
            catch {
                return { proves: false };
            }
            const proves = (0, load_proof_1.provesCredit)(keys, (0, load_payloads_1.loadCreditOf)(input.credit), record);
            return proves ? { proves, balanceAfterMinor: record.balanceAfter.toString() } : { proves };
        },
        /** Posts the reservation and counts the load into the card's shadow balance; idempotent. */
        async postLoad(input) {
            const pendingId = pendingOf(input.key);
            const id = (0, registry_1.transferIdFor)({ ...input.key, step: 'post' });
            const [outcome] = await ledger.createTransfers([{ id, pendingId, flags: { postPendingTransfer: true } }]);
            if (!(0, ledger_1.isTransferApplied)(outcome.result))
                throw ledgerBroken('post', pendingId, outcome.result);
            await registry.recordPurseMovement({ key: pendingId, csn: input.csn, purse: input.purse, kind: 'load', amountMinor: (0, load_payloads_1.minorOf)(input.amountMinor) });
            return { transferId: id };
        },
        /** Voids the reservation (only ever called with proof that the card was not credited); idempotent. */
        async voidLoad(input) {
            const pendingId = pendingOf(input.key);
            const id = (0, registry_1.transferIdFor)({ ...input.key, step: 'void' });
            const [outcome] = await ledger.createTransfers([{ id, pendingId, flags: { voidPendingTransfer: true } }]);
            if ((0, ledger_1.isTransferApplied)(outcome.result))
                return { transferId: id, reserved: true };
            // The reservation never reached the ledger: there is nothing to release.
            if (outcome.result === 'pending_transfer_not_found')
                return { transferId: id, reserved: false };
            throw ledgerBroken('void', pendingId, outcome.result);
        },
        /** Offline: is this request code the card's, for this purse and amount? Gives the card's ATC. */
        async verifyRequestCode(input) {
            const check = keys.verifyRequestCode({ csn: (0, load_payloads_1.csnOf)(input.csn), purse: (0, load_payloads_1.purseIdOf)(input.purse), amount: (0, load_payloads_1.minorOf)(input.amountMinor) }, input.code);
            return check.valid ? { valid: true, atc: check.atc } : { valid: false, reason: check.reason, message: check.message };
        },
        /** Offline: the authorization code; refuses unless the reservation exists. */
        async offlineAuthorizationCode(input) {
            await assertReserved(input.key);
            return { code: keys.authorizationCode((0, load_payloads_1.loadCreditOf)(input.credit)) };
        },
        /** Offline: does the confirmation code prove the credit? */
        async verifyConfirmationCode(input) {
            const check = keys.verifyConfirmationCode((0, load_payloads_1.loadCreditOf)(input.credit), input.code);
            return check.valid ? { valid: true } : { valid: false, reason: check.reason, message: check.message };
        },
    };
    async function assertReserved(key) {
        const id = pendingOf(key);
        const [transfer] = await ledger.lookupTransfers([id]);
        if (!transfer || !transfer.flags.pending) {
            throw common_1.ApplicationFailure.create({
                type: 'not_reserved',
                nonRetryable: true,
                message: `No reservation ${id} for ${key.workflowId} (attempt ${(0, activity_1.activityInfo)().attempt}); the authorization is only issued after the money is reserved. This is a bug in workflows/.`,
            });
        }
    }
}
