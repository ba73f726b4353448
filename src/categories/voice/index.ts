/**
 * The `voice` category, declared once: click-to-call along `VOICE_PROVIDERS` (failover only when
 * the first provider surely placed nothing), the call log, recordings streamed through the hub,
 * IVR menus as data rendered for the provider at `/voice/ivr/:menuId`, caller ID lookup, and call
 * status / recording callbacks as `call.*` events whose call status only moves forward.
 */
import { z } from 'zod';
import { defineCategory } from '../category.js';
import { VOICE_ERROR_CODES } from './errors.js';
import { VOICE_EVENT_DESCRIPTIONS } from './events.js';
import { CallRecords, MenuStore, voiceMigrations } from './records.js';
import { voiceRoutes } from './routes.js';
import { configuredMenus, e164 } from './schemas.js';
import { VoiceService } from './service.js';
import { applyCallEvents } from './tracking.js';

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

const settings = z.object({
  VOICE_CALLER_ID: optional(e164),
  VOICE_IVR_MENUS: optional(configuredMenus),
  // The hub's own variables, read here too: the IVR route checks signatures over the public URL.
  SWITCHBOARD_PUBLIC_URL: optional(z.url('must be an absolute URL such as https://hub.example.com')),
  PUBLIC_URL: optional(z.url('must be an absolute URL such as https://hub.example.com')),
  TRUST_PROXY: optional(z.enum(['true', 'false', '1', '0'])),
});

export const voiceCategory = defineCategory({
  name: 'voice',
  title: 'Voice',
  failover: 'not-acted',
  settings,
  errorCodes: VOICE_ERROR_CODES,
  eventTypes: { call: VOICE_EVENT_DESCRIPTIONS },
  scopes: {
    'voice:call': 'Place calls (click-to-call), hang up, start recordings',
    'voice:read': 'Read the call log, recordings, lookups and IVR menus',
    'voice:admin': 'Manage IVR menus, delete recordings',
  },
  migrations: voiceMigrations,
  create(ctx) {
    const s = ctx.settings;
    const publicUrl = s.SWITCHBOARD_PUBLIC_URL ?? s.PUBLIC_URL;
    const records = new CallRecords(ctx.store, ctx.clock);
    const voice = new VoiceService({ connections: ctx.connections, failover: ctx.failover, chain: ctx.chain, records, menus: new MenuStore(ctx.store, ctx.clock, s.VOICE_IVR_MENUS ?? {}), callerId: s.VOICE_CALLER_ID, publicUrl });
    return {
      service: voice,
      routes: [voiceRoutes(voice, { publicUrl, trustProxy: s.TRUST_PROXY === 'true' || s.TRUST_PROXY === '1' })],
      sinks: [(provider, inbound, origin) => applyCallEvents(ctx.store, records, provider, inbound, origin, ctx.events).then(() => undefined)],
    };
  },
});

declare module '../category.js' {
  interface CategoryServices {
    /** Click-to-call, the call log, recordings, lookups and IVR menus. */
    voice: VoiceService;
  }
}
