/**
 * For the `use…` helpers of tests/support: their state is made in `beforeAll`, after the file's
 * top level has run, so the object they return reads it at use time, and says so when a test
 * reads it too early.
 */
export function readLater<T extends object, K extends keyof T, B extends object = {}>(
  read: () => T | undefined,
  keys: readonly K[],
  notYet: string,
  base: B = {} as B,
): B & { readonly [P in K]: T[P] } {
  for (const key of keys) {
    Object.defineProperty(base, key, {
      enumerable: true,
      get() {
        const state = read();
        if (!state) throw new Error(notYet);
        return state[key];
      },
    });
  }
  return base as B & { readonly [P in K]: T[P] };
}
