/**
 * PayPal's error answers → the hub's error codes.
 *
 * REST errors are `{"name","message","debug_id","details":[{"field","issue","description"}]}`;
 * the OAuth endpoint answers `{"error","error_description"}` instead. The interesting part is
 * `details[].issue`: a 422 `UNPROCESSABLE_ENTITY` is a decline (`INSTRUMENT_DECLINED`), a payer
 * step still missing (`PAYER_ACTION_REQUIRED`, `ORDER_NOT_APPROVED`) or a plain refusal
 * (`MAX_CAPTURE_AMOUNT_EXCEEDED`). PayPal's support needs the `Paypal-Debug-Id` header: it becomes
 * the error's `requestId`.
 *
 * @see https://developer.paypal.com/api/rest/responses/
 * @see https://developer.paypal.com/docs/api/orders/v2/#error-INSTRUMENT_DECLINED
 */
import { HubError, type ErrorCode, type FieldError } from '../../core/errors.js';
import type { HttpResponse } from '../../transport/types.js';
import '../../categories/payments/errors.js'; // registers the payments error codes this file uses

const PROVIDER = 'paypal';

/** One entry of a PayPal error's `details`. */
export interface PaypalErrorDetail {
  field?: string;
  value?: string;
  location?: string;
  issue: string;
  description?: string;
}

/** A PayPal error answer, REST or OAuth, normalized. */
export interface PaypalErrorBody {
  name: string;
  message: string;
  debugId?: string;
  details: PaypalErrorDetail[];
  /** Where the payer must go, when PayPal says (`payer-action` / `approve` links). */
  actionUrl?: string;
}

/** Issues that mean the payer's funding source refused the payment. */
const DECLINE_ISSUES = new Set([
  'INSTRUMENT_DECLINED',
  'TRANSACTION_REFUSED',
  'PAYER_CANNOT_PAY',
  'CARD_EXPIRED',
  'CARD_CLOSED',
  'DECLINED',
  'CAPTURE_DECLINED',
  'AUTHORIZATION_DENIED',
  'PAYEE_BLOCKED_TRANSACTION',
  'COMPLIANCE_VIOLATION',
]);
/** Issues that mean the payer must still act (approve, or pick another funding source). */
const ACTION_ISSUES = new Set(['PAYER_ACTION_REQUIRED', 'ORDER_NOT_APPROVED']);

/**
 * Reads a PayPal error answer; a non-JSON answer (a proxy's page) becomes a body with its text.
 *
 * @example
 * paypalErrorBody(res) // { name: 'UNPROCESSABLE_ENTITY', message: '…', debugId: 'f2c8…', details: [{ issue: 'INSTRUMENT_DECLINED' }] }
 */
export function paypalErrorBody(res: HttpResponse): PaypalErrorBody {
  let body: Record<string, unknown> | null = null;
  try {
    const parsed = res.json<unknown>();
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    // not JSON: fall through to the text
  }
  const text = res.text.trim();
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  if (!body) return { name: `HTTP_${res.status}`, message: text ? text.slice(0, 300) : `HTTP ${res.status}`, details: [] };
  const details = (Array.isArray(body.details) ? body.details : []).filter(
    (d): d is PaypalErrorDetail => typeof d === 'object' && d !== null && typeof (d as PaypalErrorDetail).issue === 'string',
  );
  const links = Array.isArray(body.links) ? (body.links as { rel?: unknown; href?: unknown }[]) : [];
  const action = links.find((l) => l?.rel === 'payer-action' || l?.rel === 'approve');
  return {
    ...(typeof action?.href === 'string' ? { actionUrl: action.href } : {}),
    name: str(body.name) ?? str(body.error) ?? `HTTP_${res.status}`,
    message: str(body.message) ?? str(body.error_description) ?? (text.slice(0, 300) || `HTTP ${res.status}`),
    debugId: str(body.debug_id),
    details,
  };
}

function describe(body: PaypalErrorBody): string {
  const parts = body.details.map((d) => `${d.field ? `${d.field}: ` : ''}${d.issue}${d.description ? ` (${d.description})` : ''}`);
  return parts.length > 0 ? `${body.message} ${parts.join('; ')}` : body.message;
}

/**
 * Maps a non-2xx PayPal answer to a HubError (the manifest's `mapError`).
 *
 * @example
 * mapPaypalError(res).code // 'payment_declined' for a 422 INSTRUMENT_DECLINED, providerCode 'INSTRUMENT_DECLINED'
 */
export function mapPaypalError(res: HttpResponse): HubError {
  const body = paypalErrorBody(res);
  const said = describe(body);
  const issue = body.details[0]?.issue;
  const fields: FieldError[] = body.details.filter((d) => d.field).map((d) => ({ field: String(d.field), message: d.description ?? d.issue }));
  const make = (code: ErrorCode, message: string, extra: { providerCode?: string; details?: Record<string, unknown> } = {}) =>
    new HubError(code, message, {
      provider: PROVIDER,
      providerStatus: res.status,
      providerCode: extra.providerCode ?? issue ?? body.name,
      requestId: res.headers['paypal-debug-id'] ?? body.debugId,
      errors: fields.length > 0 ? fields : undefined,
      details: { paypalName: body.name, paypalDetails: body.details, ...extra.details },
    });

  const status = res.status;
  const decline = body.details.find((d) => DECLINE_ISSUES.has(d.issue));
  if (decline && (status === 422 || status === 400)) {
    return make('payment_declined', `PayPal declined the payment (${decline.issue}): ${said}. Ask the payer to choose another funding source at the approval page.`, { providerCode: decline.issue });
  }
  const action = body.details.find((d) => ACTION_ISSUES.has(d.issue));
  if (action && (status === 422 || status === 400)) {
    return make('payment_action_required', `PayPal needs the payer first (${action.issue}): ${said}. Send the payer to the order's approvalUrl, then capture.`, {
      providerCode: action.issue,
      details: { nextAction: body.actionUrl ? { type: 'approve', url: body.actionUrl } : { type: 'approve' } },
    });
  }
  if (status === 400 || status === 422) {
    const named = fields.length > 0 ? ` (${fields.map((f) => f.field).join(', ')})` : '';
    return make('provider_rejected', `PayPal refused the request${named}: ${said}. Fix the named field(s); the same request fails the same way.`);
  }
  if (status === 401) {
    return make('provider_auth_failed', `PayPal refused the credentials (${said}): check PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET belong to the same REST app, and PAYPAL_MODE matches it (sandbox or live).`);
  }
  if (status === 403) {
    return make('provider_auth_failed', `PayPal forbade the request (${said}): the REST app lacks the permission for this feature (enable it in the app's settings).`);
  }
  if (status === 404) return make('not_found', `PayPal has no such resource (${said}).`);
  if (status === 409) return make('conflict', `PayPal refused the request as conflicting (${said}).`);
  if (status === 429) return make('provider_rate_limited', `PayPal's rate limit is reached (${said}).`);
  if (status >= 500) return make('provider_unavailable', `PayPal is unavailable (HTTP ${status}: ${said}); try again later.`);
  return make('provider_error', `PayPal answered HTTP ${status}: ${said}.`);
}
