// Why money moves: the ledger's transfer `code` (1..65535) for every flow of design.md.
export const TRANSFER_CODE = {
  deposit: 1,
  foodVoucher: 2,
  downloadEcash: 10,
  downloadFood: 11,
  settlementEcash: 20,
  settlementFood: 21,
  merchantPayout: 30,
} as const;

/** The one currency ledger of this deployment; the cards count 1/100 of it (spec §1, currency 0356). */
export const PURSEFLOW_LEDGER = { id: 356, currency: 'INR', exponent: 2, name: 'inr' } as const;
