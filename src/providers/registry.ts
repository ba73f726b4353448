/**
 * Every provider the hub knows. Adding one is a folder under `providers/` plus one line here.
 */
import { ProviderCatalog } from '../kit/catalog.js';
import { gmail } from './gmail/index.js';
import { linkedin } from './linkedin/index.js';
import { mailgun } from './mailgun/index.js';
import { paypal } from './paypal/index.js';
import { sendgrid } from './sendgrid/index.js';
import { smtp } from './smtp/index.js';
import { stripe } from './stripe/index.js';
import { slack } from './slack/index.js';
import { teamsWebhook } from './teams/index.js';
import { discordWebhook } from './discord/index.js';
import { twilio } from './twilio/index.js';
import { zoom } from './zoom/index.js';
import { caldav } from './caldav/index.js';
import { googleCalendar, googleMeet } from './google-calendar/index.js';
import { outlook, teams } from './outlook/index.js';
import type { ProviderDefinition } from '../kit/connector.js';
import { catalogProviders } from './catalog-providers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry keeps its own credential type
const VENDORS: readonly ProviderDefinition<any>[] = [sendgrid, mailgun, smtp, gmail, stripe, paypal, linkedin, slack, teamsWebhook, discordWebhook, twilio, zoom, googleCalendar, googleMeet, caldav, outlook, teams];

/** The vendor folders, then the OAuth catalog's providers that have none (GitHub, Discord, … for the proxy and sign-in). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry keeps its own credential type
export const PROVIDERS: readonly ProviderDefinition<any>[] = [...VENDORS, ...catalogProviders(VENDORS.map((p) => p.manifest.id))];

/** The catalog `createHub` uses unless given another. */
export const defaultCatalog = new ProviderCatalog(PROVIDERS);

/** The provider registered under `id` in the default catalog (tests, tools). */
export function getProvider(id: string): ProviderDefinition {
  return defaultCatalog.get(id);
}
