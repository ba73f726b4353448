/**
 * Twilio's voice resources as the 2010-04-01 API and Lookup v2 answer them (the connector reads
 * them; the emulator writes them).
 *
 * @see https://www.twilio.com/docs/voice/api/call-resource
 * @see https://www.twilio.com/docs/voice/api/recording
 * @see https://www.twilio.com/docs/lookup/v2-api
 */

/** Twilio's call statuses. */
export type TwilioCallStatus = 'queued' | 'initiated' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'failed' | 'no-answer' | 'canceled';

export interface TwilioCallResource {
  account_sid: string;
  annotation: string | null;
  answered_by: string | null;
  api_version: '2010-04-01';
  caller_name: string | null;
  date_created: string;
  date_updated: string;
  direction: 'inbound' | 'outbound-api' | 'outbound-dial';
  /** Seconds, as a string; null until the call ends. */
  duration: string | null;
  end_time: string | null;
  forwarded_from: string | null;
  from: string;
  from_formatted: string;
  group_sid: string | null;
  parent_call_sid: string | null;
  phone_number_sid: string | null;
  /** Negative decimal string (`-0.01400`), null until priced. */
  price: string | null;
  price_unit: string;
  queue_time: string;
  sid: string;
  start_time: string | null;
  /** Never `initiated` (a callback's word only). */
  status: Exclude<TwilioCallStatus, 'initiated'>;
  subresource_uris: Record<string, string>;
  to: string;
  to_formatted: string;
  trunk_sid: string | null;
  uri: string;
}

/** The paging fields of every 2010-04-01 list answer. */
export interface TwilioPage {
  end: number;
  first_page_uri: string;
  next_page_uri: string | null;
  page: number;
  page_size: number;
  previous_page_uri: string | null;
  start: number;
  uri: string;
}

export interface TwilioCallPage extends TwilioPage {
  calls: TwilioCallResource[];
}

export interface TwilioRecordingResource {
  account_sid: string;
  api_version: '2010-04-01';
  call_sid: string;
  channels: number;
  conference_sid: string | null;
  date_created: string;
  date_updated: string;
  /** Seconds as a string; `-1` while recording. */
  duration: string;
  encryption_details: null;
  error_code: number | null;
  price: string | null;
  price_unit: string;
  sid: string;
  source: 'OutboundAPI' | 'RecordVerb' | 'DialVerb' | 'StartCallRecordingAPI' | 'Conference' | 'Trunking';
  start_time: string;
  status: 'in-progress' | 'paused' | 'stopped' | 'processing' | 'completed' | 'absent';
  track: 'inbound' | 'outbound' | 'both';
  uri: string;
  media_url?: string;
  subresource_uris?: Record<string, string>;
}

export interface TwilioRecordingPage extends TwilioPage {
  recordings: TwilioRecordingResource[];
}

/** Lookup v2 `PhoneNumbers` with `Fields=caller_name,line_type_intelligence`. */
export interface TwilioLookupResource {
  calling_country_code: string | null;
  country_code: string | null;
  phone_number: string;
  national_format: string | null;
  valid: boolean;
  validation_errors: string[] | null;
  caller_name: { caller_name: string | null; caller_type: string | null; error_code: number | null } | null;
  sim_swap: null;
  call_forwarding: null;
  line_status: null;
  line_type_intelligence: { carrier_name: string | null; error_code: number | null; mobile_country_code: string | null; mobile_network_code: string | null; type: string | null } | null;
  identity_match: null;
  reassigned_number: null;
  sms_pumping_risk: null;
  phone_number_quality_score: null;
  pre_fill: null;
  url: string;
}
