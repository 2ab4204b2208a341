// Work over many independent streams, a few writes at a time: enough to share the store's group
// commits, few enough not to take every connection.

/** Runs the work for every item, a few at a time. */
export async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<unknown>, width = 16): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}
