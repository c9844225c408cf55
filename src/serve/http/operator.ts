/**
 * @module serve/http/operator
 * Operator actions. The dashboard marks every request it sends with the header
 * `X-Fusionrec-Operator: 1`: its Click/Like/Buy buttons then store real feedback (the operator
 * sees its effect on the user's recommendations at once), but that feedback is not attributed to
 * A/B impressions and not counted in the live feedback rate or the feedback metric, and the lists
 * the dashboard shows log no impressions. Any client may send the header to keep its own test
 * traffic out of experiment statistics; it cannot add anything to them.
 */
import type { Context } from 'hono';

/** The header that marks a request as an operator's. */
export const OPERATOR_HEADER = 'X-Fusionrec-Operator';

/** Whether the request carries `X-Fusionrec-Operator: 1` (or `true`). */
export function isOperator(c: Context): boolean {
  const v = c.req.header(OPERATOR_HEADER)?.trim().toLowerCase();
  return v === '1' || v === 'true';
}
