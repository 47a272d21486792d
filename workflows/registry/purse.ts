// The two purses of a card (spec §1) by the names people and the CLI use.
export const PURSE_NAMES = ['ecash', 'food'] as const;
export type PurseName = (typeof PURSE_NAMES)[number];

export function isPurseName(value: unknown): value is PurseName {
  return value === 'ecash' || value === 'food';
}
