/**
 * Templates per tenant in the store, falling back to the built-in ones of the same name.
 */
import type { Clock } from '../../core/clock.js';
import { HubError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Store } from '../../store/store.js';
import type { z } from 'zod';
import type { templateInput } from './schemas.js';
import { BUILT_IN_TEMPLATES, render, type Rendered, type TemplateSource } from './templates.js';

export interface Template extends TemplateSource {
  id: string;
  builtIn: boolean;
  createdAt?: string;
  updatedAt?: string;
}

type TemplateInput = z.output<typeof templateInput>;

export class TemplateStore {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** By id (`tpl_…`) or name; a tenant's own template shadows a built-in one of the same name. */
  async get(tenantId: string, idOrName: string): Promise<Template> {
    const row = await this.store.db
      .selectFrom('email_templates')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .executeTakeFirst();
    if (row) {
      return { id: row.id, name: row.name, subject: row.subject, html: row.html, text: row.text, builtIn: false, createdAt: new Date(row.created_at).toISOString(), updatedAt: new Date(row.updated_at).toISOString() };
    }
    // Own keys only: `constructor`, `toString`… are not templates.
    const builtIn = Object.hasOwn(BUILT_IN_TEMPLATES, idOrName) ? BUILT_IN_TEMPLATES[idOrName] : undefined;
    if (builtIn) return { ...builtIn, id: builtIn.name, builtIn: true };
    throw new HubError('not_found', `No template "${idOrName}" (built-in: ${Object.keys(BUILT_IN_TEMPLATES).join(', ')})`);
  }

  async list(tenantId: string): Promise<Template[]> {
    const rows = await this.store.db.selectFrom('email_templates').selectAll().where('tenant_id', '=', tenantId).orderBy('name').execute();
    const own = rows.map((r) => ({ id: r.id, name: r.name, subject: r.subject, html: r.html, text: r.text, builtIn: false }));
    const shadowed = new Set(own.map((t) => t.name));
    const builtIns = Object.values(BUILT_IN_TEMPLATES).filter((t) => !shadowed.has(t.name)).map((t) => ({ ...t, id: t.name, builtIn: true }));
    return [...own, ...builtIns];
  }

  async create(tenantId: string, input: TemplateInput): Promise<Template> {
    const now = this.clock.now();
    const id = newId('tpl', now);
    try {
      await this.store.write((trx) =>
        trx
          .insertInto('email_templates')
          .values({ id, tenant_id: tenantId, name: input.name, subject: input.subject, html: input.html ?? null, text: input.text ?? null, created_at: now, updated_at: now })
          .execute(),
      );
    } catch (err) {
      throw new HubError('conflict', `A template named "${input.name}" already exists; update it with PUT`, { cause: err });
    }
    return this.get(tenantId, id);
  }

  async update(tenantId: string, idOrName: string, input: TemplateInput): Promise<Template> {
    const current = await this.get(tenantId, idOrName);
    if (current.builtIn) return this.create(tenantId, { ...input, name: current.name });
    try {
      await this.store.write((trx) =>
        trx
          .updateTable('email_templates')
          .set({ name: input.name, subject: input.subject, html: input.html ?? null, text: input.text ?? null, updated_at: this.clock.now() })
          .where('id', '=', current.id)
          .execute(),
      );
    } catch (err) {
      // The only constraint an update can break is the unique (tenant, name): a rename onto a taken name.
      if (input.name !== current.name) throw new HubError('conflict', `A template named "${input.name}" already exists; pick another name`, { cause: err });
      throw err;
    }
    return this.get(tenantId, current.id);
  }

  async remove(tenantId: string, idOrName: string): Promise<void> {
    const current = await this.get(tenantId, idOrName);
    if (current.builtIn) throw new HubError('conflict', `"${current.name}" is built in; it cannot be deleted (override it with PUT instead)`);
    await this.store.write((trx) => trx.deleteFrom('email_templates').where('id', '=', current.id).execute());
  }

  async render(tenantId: string, idOrName: string, variables: Record<string, unknown>): Promise<Rendered> {
    return render(await this.get(tenantId, idOrName), variables);
  }
}
