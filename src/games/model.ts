import { Type as t } from '@sinclair/typebox';

/**
 * A bet as it arrives: a JSON number. Its range and precision (positive, finite, whole cents,
 * within MIN_BET..MAX_BET) are configuration, checked by `parseBet` in the ledger's terms.
 */
export const Bet = t.Number({ description: 'amount staked, at most two decimals' });
