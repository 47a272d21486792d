"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CardInReader = exports.VPCD_SLOT0_READER = exports.VPCD_SLOT0_PORT = void 0;
exports.startReaderRig = startReaderRig;
// A simulated e-Smart card in pcscd's vpcd slot 0 (slot 1 belongs to card-driver's own tests),
// and a reader agent serving that reader. card-driver does not export its PC/SC transport and vpcd
// connector from index.ts yet, so this test helper reaches them directly (tests are outside the
// dependency rules).
const pcsc_reader_1 = require("../../card-driver/reader/pcsc-reader");
const vpcd_card_connector_1 = require("../../card-driver/vpcd/vpcd-card-connector");
const card_driver_1 = require("../../card-driver");
const reader_agent_1 = require("../worker/reader-agent");
exports.VPCD_SLOT0_PORT = Number(process.env.PURSEFLOW_VPCD_PORT ?? 35963);
exports.VPCD_SLOT0_READER = 'Virtual PCD 00 00';
async function startReaderRig(h, readerId) {
    const pcsc = pcsc_reader_1.PcscService.open({ commandTimeoutMs: 3000 });
    const reader = await pcsc.reader(exports.VPCD_SLOT0_READER, 5000);
    const agent = await reader_agent_1.ReaderAgent.create({ connection: h.nativeConnection, client: h.client, readerId, reader });
    const running = agent.run();
    return {
        readerId,
        reader,
        agent,
        async close() {
            agent.shutdown();
            await running;
            await pcsc.close();
        },
    };
}
function waitFor(reader, present, timeoutMs = 5000) {
    if (reader.cardPresent === present)
        return Promise.resolve();
    return new Promise((resolve, reject) => {
        const event = present ? 'card-inserted' : 'card-removed';
        const timer = setTimeout(() => reject(new Error(`reader did not report ${event} within ${timeoutMs} ms`)), timeoutMs);
        reader.once(event, () => {
            clearTimeout(timer);
            resolve();
        });
    });
}
class CardInReader {
    card;
    reader;
    connector;
    constructor(card, reader) {
        this.card = card;
        this.reader = reader;
        this.connector = new vpcd_card_connector_1.VpcdCardConnector({ card, port: exports.VPCD_SLOT0_PORT });
    }
    static issue(keys, csn, reader, maxBalance) {
        return new CardInReader(card_driver_1.SimulatedCard.issue(keys, csn, maxBalance === undefined ? {} : { maxBalance }), reader);
    }
    async insert() {
        await this.connector.insert();
        await waitFor(this.reader, true);
    }
    async remove() {
        await this.connector.remove();
        await waitFor(this.reader, false);
    }
    /** Tears the card away when the reader sends CREDIT LOAD: before the card sees it, or after it ran. */
    tearAtCredit(stage) {
        this.connector.tearOn({ stage, when: (apdu) => apdu[0] === 0x80 && apdu[1] === 0x52 });
    }
    async waitRemoved() {
        await waitFor(this.reader, false);
    }
}
exports.CardInReader = CardInReader;
