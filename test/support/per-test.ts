/**
 * A fresh value for every test of the enclosing `describe`: made before each test, disposed of
 * after it. What this returns stands for the current test's value (every property read goes to
 * it), so tests use it as they would the value itself.
 */
export function perTest<T extends object>(what: string, make: () => Promise<T>, dispose: (value: T) => Promise<void>): T {
  let current: T | null = null;
  beforeEach(async () => {
    current = await make();
  });
  afterEach(async () => {
    const value = current;
    current = null;
    if (value !== null) await dispose(value);
  });
  return new Proxy({} as T, {
    get: (_target, property) => {
      if (current === null) throw new Error(`${what} exists only while a test runs`);
      return Reflect.get(current, property) as unknown;
    },
  });
}
