/**
 * Runs `task(0)` … `task(count - 1)` with at most `concurrency` running at once. Failures do not
 * stop the others; they are returned, in the order they happened.
 */
export async function inBatches(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<unknown[]> {
  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await task(index).catch((error: unknown) => errors.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return errors;
}
