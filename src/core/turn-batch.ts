/**
 * Calls made in one event-loop turn, run as one batch: N concurrent callers of `load(id)` become
 * one `where id in (…)` query, N "mark done" writes one statement.
 *
 * `alone`: when a batch of several fails, each item is run again as a batch of its own, so one bad
 * item fails alone (for writes: one multi-row insert, else a row at a time).
 *
 * @example
 * const loadRow = turnBatch(async (ids: string[]) => { const rows = await selectIn(ids); return ids.map((id) => byId(rows, id)); });
 * const row = await loadRow('whk_1'); // shares its query with the other loads of this turn
 */
export function turnBatch<I, O>(run: (items: I[]) => Promise<O[]>, options: { max?: number; alone?: boolean } = {}): (item: I) => Promise<O> {
  const { max = 500, alone = false } = options;
  type Waiting = { item: I; resolve: (o: O) => void; reject: (err: unknown) => void };
  const waiting: Waiting[] = [];
  const settle = (batch: Waiting[]) =>
    run(batch.map((w) => w.item)).then(
      (out) => batch.forEach((w, i) => w.resolve(out[i]!)),
      (err: unknown) => {
        if (alone && batch.length > 1) for (const w of batch) void settle([w]);
        else batch.forEach((w) => w.reject(err));
      },
    );
  const flush = () => {
    const batch = waiting.splice(0, max);
    if (waiting.length > 0) setImmediate(flush);
    void settle(batch);
  };
  return (item) =>
    new Promise<O>((resolve, reject) => {
      if (waiting.push({ item, resolve, reject }) === 1) setImmediate(flush);
    });
}
