import { openDatabase } from '../../src/store/db.ts';
import { createStore, type Store } from '../../src/store/index.ts';

/**
 * Opens the app's database while the app is stopped, to set up the state a crashed process would have left
 * behind. It uses the app's own store code, so the rows are exactly what the app writes.
 */
export function withStore<T>(path: string, fn: (store: Store) => T): T {
  const db = openDatabase(path);
  try {
    return fn(createStore(db));
  } finally {
    db.close();
  }
}
