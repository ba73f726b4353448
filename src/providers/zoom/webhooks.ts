/**
 * Zoom's webhooks at `POST /webhooks/zoom`: every request is signed
 * `x-zm-signature: v0=<hex HMAC-SHA256(secret token, "v0:{x-zm-request-timestamp}:{raw body}")>`
 * (5-minute tolerance), the endpoint check `endpoint.url_validation` included: it is answered
 * `{plainToken, encryptedToken}` only once its signature verified. Meeting events become unified
 * events: `meeting.started`, `meeting.ended`, `meeting.participant_joined`,
 * `meeting.participant_left`, and `recording.completed` as `meeting.recording.completed`.
 *
 * `recording.completed` carries a `download_token` (a bearer credential for the files for 24 h):
 * the inbox keeps the body without it (`storedBody`), and the event has none.
 *
 * @see https://developers.zoom.us/docs/api/webhooks/
 */
import { createHash } from 'node:crypto';
import type { MeetingLifecycleData, MeetingParticipantData, MeetingRecordingData } from '../../categories/meetings/contract.js';
import type { InboundEvent, WebhookHandler } from '../../kit/inbound.js';
import { verifyV0Signature, ZOOM_V0, zoomUrlValidation } from '../../kit/webhook-handshakes.js';

type Json = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

const TYPES: Record<string, InboundEvent['type']> = {
  'meeting.started': 'meeting.started',
  'meeting.ended': 'meeting.ended',
  'meeting.participant_joined': 'meeting.participant_joined',
  'meeting.participant_left': 'meeting.participant_left',
  'recording.completed': 'meeting.recording.completed',
};

/**
 * Parses a verified Zoom delivery into its event (none for an event type the hub does not map).
 *
 * @example
 * parseZoomEvent(Buffer.from('{"event":"meeting.ended","event_ts":1,"payload":{"object":{"id":"85746065432","uuid":"u=="}}}'))[0].type // 'meeting.ended'
 */
export function parseZoomEvent(rawBody: Buffer): InboundEvent[] {
  const body = obj(JSON.parse(rawBody.toString('utf8')));
  const zoomType = str(body.event) ?? '';
  const type = TYPES[zoomType];
  if (!type) return [];
  const payload = obj(body.payload);
  const object = obj(payload.object);
  const meetingId = str(object.id) ?? '';
  const uuid = str(object.uuid);
  const occurredAt = typeof body.event_ts === 'number' ? body.event_ts : Date.now();
  // `download_token` (beside `payload`, as Zoom sends it; inside it too, to be safe) is a credential for the files.
  const { download_token: _token, ...keptBody } = body;
  const { download_token: _inner, ...keptPayload } = payload;
  const raw = { ...keptBody, payload: keptPayload };
  const sha = createHash('sha256').update(rawBody).digest('hex').slice(0, 16);
  let data: MeetingLifecycleData | MeetingParticipantData | MeetingRecordingData;
  let key: string;
  if (type === 'meeting.participant_joined' || type === 'meeting.participant_left') {
    const p = obj(object.participant);
    data = { meetingId, uuid, participantId: str(p.participant_uuid) ?? str(p.user_id) ?? str(p.id), name: str(p.user_name), email: str(p.email), at: str(p.join_time) ?? str(p.leave_time) };
    key = `${zoomType}:${uuid ?? meetingId}:${data.participantId ?? ''}:${data.at ?? sha}`;
  } else if (type === 'meeting.recording.completed') {
    const files = (Array.isArray(object.recording_files) ? object.recording_files.map(obj) : []).map((f) => ({ id: str(f.id) ?? '', fileType: str(f.file_type) ?? 'unknown', fileSize: typeof f.file_size === 'number' ? f.file_size : null }));
    data = { meetingId, uuid, topic: str(object.topic), files };
    key = `${zoomType}:${uuid ?? meetingId}`;
  } else {
    data = { meetingId, uuid, topic: str(object.topic), hostId: str(object.host_id), startTime: str(object.start_time), endTime: str(object.end_time) };
    key = `${zoomType}:${uuid ?? meetingId}:${occurredAt}`;
  }
  return [{ providerEventId: key, type, occurredAt, ref: { providerObjectId: meetingId || undefined }, data: { ...data }, raw }];
}

export const zoomWebhooks: WebhookHandler = {
  secretFields: ['webhookSecretToken'],
  signatureHeaders: ['x-zm-signature'],
  verify(input) {
    const secret = verifyV0Signature(ZOOM_V0, input);
    const reply = zoomUrlValidation(input.rawBody, secret);
    return reply && { handshake: reply };
  },
  storedBody: (rawBody) => withoutDownloadToken(rawBody),
  parse: (rawBody) => parseZoomEvent(rawBody),
};

/** The body without `download_token` (beside `payload`, and inside it to be safe); unchanged when there is none. */
function withoutDownloadToken(rawBody: Buffer): Buffer {
  const text = rawBody.toString('utf8');
  if (!text.includes('"download_token"')) return rawBody;
  const { download_token: _token, payload, ...rest } = JSON.parse(text) as Record<string, unknown> & { payload?: Record<string, unknown> };
  const { download_token: _inner, ...keptPayload } = payload ?? {};
  return Buffer.from(JSON.stringify({ ...rest, ...(payload ? { payload: keptPayload } : {}) }));
}
