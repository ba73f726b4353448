import { describe, expect, it } from 'vitest';
import { ProviderCatalog } from '../kit/catalog.js';
import { defaultCatalog } from '../providers/registry.js';
import { categoryEnvVars, planCategories } from './plan.js';
import { CATEGORIES } from './registry.js';

describe('planCategories', () => {
  it('defaults each chain to every provider of the category, in registry order', () => {
    const plan = planCategories(CATEGORIES, defaultCatalog, {});
    // Each category's chain (more categories join the registry: each is checked, not the whole list).
    expect(plan.chains).toMatchObject({ email: ['sendgrid', 'mailgun', 'smtp', 'gmail'], payments: ['stripe', 'paypal'], voice: ['twilio'] });
    expect(plan.settings.payments).toEqual({ PAYMENT_RECOVERY_SECONDS: 120 });
    expect(Object.keys(plan.scopes)).toEqual(expect.arrayContaining(['email:send', 'payments:write']));
  });

  it('reads <NAME>_PROVIDERS (PAYMENT_PROVIDERS for payments) and refuses a provider of another category', () => {
    expect(planCategories(CATEGORIES, defaultCatalog, { EMAIL_PROVIDERS: ' SMTP , sendgrid' }).chains.email).toEqual(['smtp', 'sendgrid']);
    expect(() => planCategories(CATEGORIES, defaultCatalog, { PAYMENT_PROVIDERS: 'stripe,sendgrid' })).toThrow(/PAYMENT_PROVIDERS: unknown provider\(s\) sendgrid; known: stripe, paypal/);
    expect(() => planCategories(CATEGORIES, new ProviderCatalog([]), { EMAIL_PROVIDERS: 'sendgrid' })).toThrow(/EMAIL_PROVIDERS: unknown provider/);
  });

  it('validates a category setting like the hub variables, naming it', () => {
    expect(() => planCategories(CATEGORIES, defaultCatalog, { BULK_MAX_RECIPIENTS: 'lots' })).toThrow(/BULK_MAX_RECIPIENTS: .*\(got "lots"\)/);
    expect(categoryEnvVars(CATEGORIES)).toEqual(expect.arrayContaining(['EMAIL_PROVIDERS', 'EMAIL_FROM', 'BULK_MAX_RECIPIENTS', 'PAYMENT_PROVIDERS', 'PAYMENT_RECOVERY_SECONDS']));
  });
});
