/**
 * Calls made in one event-loop turn, run as one batch: N concurrent callers of `load(id)` become
 * one `where id in (…)` query, N "mark done" writes one statement.
 *
 * @example
 * const loadRow = turnBatch(async (ids: string[]) => { const rows = await selectIn(ids); return ids.map((id) => byId(rows, id)); });
 * const row = await loadRow('whk_1'); // shares its query with the other loads of this turn
 */
export function turnBatch<I, O>(run: (items: I[]) => Promise<O[]>, max = 500): (item: I) => Promise<O> {
  const waiting: { item: I; resolve: (o: O) => void; reject: (err: unknown) => void }[] = [];
  const flush = () => {
    const batch = waiting.splice(0, max);
    if (waiting.length > 0) setImmediate(flush);
    run(batch.map((w) => w.item)).then(
      (out) => batch.forEach((w, i) => w.resolve(out[i]!)),
      (err: unknown) => batch.forEach((w) => w.reject(err)),
    );
  };
  return (item) =>
    new Promise<O>((resolve, reject) => {
      if (waiting.push({ item, resolve, reject }) === 1) setImmediate(flush);
    });
}
