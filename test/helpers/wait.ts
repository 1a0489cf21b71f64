/** Polls `probe` until it returns something truthy; fails with `what` after the deadline. Never a bare sleep. */
export async function waitFor<T>(
  probe: () => T | undefined | null | false | 0 | '' | Promise<T | undefined | null | false | 0 | ''>,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 5_000);
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'condition'}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Asserts that something does *not* happen: gives the system until `settled` resolves (work has drained), then
 * checks once more. Used instead of "sleep and hope".
 */
export async function expectStill(settled: () => Promise<unknown>, check: () => void): Promise<void> {
  await settled();
  check();
}
