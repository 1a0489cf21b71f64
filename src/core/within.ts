/**
 * `promise`'s value if it settles within `ms`, else `fallback()`'s: for answers worth having only while a person
 * waits. `promise` keeps running either way (a cache it fills serves the next caller). Its rejection before the deadline
 * is this one's; after it, nobody's.
 */
export async function within<T>(ms: number, promise: Promise<T>, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ readonly late: true }>((resolve) => {
    timer = setTimeout(() => resolve({ late: true }), ms);
    timer.unref();
  });
  const settled = promise.then((value) => ({ late: false as const, value }));
  // A rejection after the deadline has no one waiting for it: it is not left unhandled.
  settled.catch(() => undefined);
  try {
    const first = await Promise.race([settled, late]);
    return first.late ? fallback() : first.value;
  } finally {
    clearTimeout(timer);
  }
}
