/**
 * Batching for the delivery path: the requests of one moment (many delivery jobs run at once)
 * become one query instead of one each, which matters most on PostgreSQL where every statement
 * is a round trip.
 */

/**
 * Gathers the items added during one event-loop turn and runs them together.
 *
 * @example
 * const rows = new TurnBatcher((ids: string[]) => loadAll(ids)); // answers in the order of ids
 * const row = await rows.add('dlv_1');
 */
export class TurnBatcher<I, R> {
  private open: { items: I[]; done: Promise<R[]> } | null = null;

  constructor(
    private readonly run: (items: I[]) => Promise<R[]>,
    private readonly max = 500,
  ) {}

  add(item: I): Promise<R> {
    let batch = this.open;
    if (!batch || batch.items.length >= this.max) {
      const items: I[] = [];
      const created = {
        items,
        done: new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
          if (this.open === created) this.open = null;
          return this.run(items);
        }),
      };
      this.open = batch = created;
    }
    const index = batch.items.push(item) - 1;
    return batch.done.then((results) => results[index]!);
  }
}

/**
 * Values that are slow to compute from a stored string (a sealed secret), kept by that string: a
 * changed row (a rotation) is a new key, so nothing needs invalidating. Bounded.
 *
 * @example
 * const secrets = new DerivedCache((sealed: string) => vault.open(sealed, context));
 */
export class DerivedCache<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly max = 1000) {}

  get(key: string, derive: () => V): V {
    let v = this.map.get(key);
    if (v === undefined) {
      v = derive();
      if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
      this.map.set(key, v);
    }
    return v;
  }
}
