import { errorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { TtlCache } from '../core/ttl-cache.ts';
import type { FinProcedure, FinUser } from './schemas.ts';

/** How long one user's list is reused: procedures change rarely, and every picker or home view would ask again. */
const FRESH_MS = 5 * 60_000;
/** When Fin would not say (the feature off, Fin down), the app offers none for a little while before asking again. */
const UNAVAILABLE_MS = 30_000;

/**
 * The procedures each user may run, from `/fin/capabilities` (Preview), cached per user. When Fin cannot say, the
 * answer is simply none: the app then offers no procedures by name, and running one by id still works.
 */
export class ProcedureCatalog {
  readonly #fin: { capabilities(user: FinUser): Promise<readonly FinProcedure[]> };
  readonly #log: Logger;
  readonly #cache: TtlCache<string, Promise<readonly FinProcedure[]>>;
  /** The same lists once they arrived, for callers that must not wait for Fin (a message already on its way). */
  readonly #known: TtlCache<string, readonly FinProcedure[]>;

  constructor(options: {
    fin: { capabilities(user: FinUser): Promise<readonly FinProcedure[]> };
    logger: Logger;
    now?: () => number;
  }) {
    this.#fin = options.fin;
    this.#log = options.logger;
    const clock = options.now !== undefined ? { now: options.now } : {};
    this.#cache = new TtlCache({ ttlMs: FRESH_MS, maxEntries: 5_000, ...clock });
    this.#known = new TtlCache({ ttlMs: FRESH_MS, maxEntries: 5_000, ...clock });
  }

  /** The user's procedures if Fin listed them lately, without asking Fin; undefined otherwise. */
  known(userId: string): readonly FinProcedure[] | undefined {
    return this.#known.get(userId);
  }

  /** The user's procedures, in Fin's order; the same promise for callers that ask at once. */
  forUser(user: FinUser): Promise<readonly FinProcedure[]> {
    const cached = this.#cache.get(user.id);
    if (cached !== undefined) return cached;
    const lookup = this.#fin.capabilities(user).then(
      (procedures) => {
        this.#known.set(user.id, procedures);
        return procedures;
      },
      (error: unknown) => {
        this.#log.info({ userId: user.id, error: errorCode(error) }, 'Fin did not list the procedures a user may run; offering none');
        this.#cache.set(user.id, Promise.resolve([]), UNAVAILABLE_MS);
        return [];
      },
    );
    this.#cache.set(user.id, lookup);
    return lookup;
  }
}
