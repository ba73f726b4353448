/**
 * PayPal sandbox negative testing: a `PayPal-Mock-Response` request header such as
 * `{"mock_application_codes":"INSTRUMENT_DECLINED"}` makes the call fail with that issue, as the
 * real sandbox does.
 *
 * @see https://developer.paypal.com/tools/sandbox/negative-testing/request-headers/
 */
import type { FastifyRequest } from 'fastify';
import { badValue } from './errors.js';

/**
 * Descriptions PayPal gives for the issues most used in negative tests.
 *
 * @example
 * ISSUE_DESCRIPTIONS.INSTRUMENT_DECLINED
 */
export const ISSUE_DESCRIPTIONS: Record<string, string> = {
  INSTRUMENT_DECLINED: 'The instrument presented  was either declined by the processor or bank, or it can\'t be used for this payment.',
  PAYER_ACTION_REQUIRED: 'Payer needs to perform the following action before proceeding with payment.',
  TRANSACTION_REFUSED: 'The request was refused.',
  PAYER_CANNOT_PAY: 'Combination of payer and payee settings mean that this buyer cannot pay this seller.',
  MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED: 'You have exceeded the maximum number of payment attempts.',
  DUPLICATE_INVOICE_ID: 'Duplicate Invoice ID detected. To avoid a potential duplicate transaction your account setting requires that Invoice Id be unique for each transaction.',
  CAPTURE_FULLY_REFUNDED: 'The capture has already been fully refunded',
  REFUND_AMOUNT_EXCEEDED: 'The refund amount must be less than or equal to the capture amount that has not yet been refunded.',
  INTERNAL_SERVER_ERROR: 'An internal server error has occurred.',
};

/**
 * The mocked issue the request asks for, if any; a header that is not PayPal's JSON is a 400.
 *
 * @example
 * mockedIssue(req) // 'INSTRUMENT_DECLINED'
 */
export function mockedIssue(req: FastifyRequest): string | undefined {
  const raw = req.headers['paypal-mock-response'];
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  try {
    const parsed = JSON.parse(raw) as { mock_application_codes?: unknown };
    if (typeof parsed.mock_application_codes === 'string' && /^[A-Z_]+$/.test(parsed.mock_application_codes)) return parsed.mock_application_codes;
  } catch {
    // fall through
  }
  throw badValue('PayPal-Mock-Response', raw, 'The PayPal-Mock-Response header is not {"mock_application_codes":"<ISSUE>"}.');
}

/**
 * The description for a mocked issue.
 *
 * @example
 * describeIssue('TRANSACTION_REFUSED') // 'The request was refused.'
 */
export const describeIssue = (issue: string): string => ISSUE_DESCRIPTIONS[issue] ?? `Mocked ${issue} (PayPal-Mock-Response).`;
