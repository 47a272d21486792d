/**
 * What the keys alone prove about a record (card-driver's verifier), folded into the few cases
 * settlement tells apart; the first reason in this order names it.
 */
import type { RecordRejection } from '../../card-driver';
import type { RecordProof } from './record-verdict';

export function proofOf(reasons: readonly RecordRejection[]): RecordProof {
  if (reasons.some((r) => r === 'csn_invalid' || r === 'purse_unknown' || r === 'amount_zero' || r === 'padding_not_zero')) return 'malformed_record';
  if (reasons.includes('sam_mac_invalid')) return 'sam_mac_invalid';
  if (reasons.includes('purchase_mac_invalid')) return 'card_mac_invalid';
  if (reasons.includes('sam_seq_repeated')) return 'duplicate_in_file';
  return 'valid';
}
