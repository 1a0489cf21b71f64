import { errorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { TtlCache } from '../core/ttl-cache.ts';
import { within } from '../core/within.ts';
import type { FinProcedure, FinUser } from './schemas.ts';

/** How long one user's list is reused: procedures change rarely, and every picker or home view would ask again. */
const FRESH_MS = 5 * 60_000;
/** When Fin would not say (the feature off, Fin down), the app offers none for a little while before asking again. */
const UNAVAILABLE_MS = 30_000;
/**
 * How long a list Fin gave stands in when asking again takes longer than a person should wait: a suggested prompt
 * clicked an hour after it was offered still runs its procedure while Fin is slow to list them again.
 */
const REMEMBERED_MS = 24 * 60 * 60_000;

/**
 * The procedures each user may run, from `/fin/capabilities` (Preview), cached per user. When Fin cannot say, the
 * answer is simply none: the app then offers no procedures by name, and running one by id still works.
 */
export class ProcedureCatalog {
  readonly #fin: { capabilities(user: FinUser): Promise<readonly FinProcedure[]> };
  readonly #log: Logger;
  readonly #cache: TtlCache<string, Promise<readonly FinProcedure[]>>;
  /** The lists as they last arrived, kept longer: what stands in when Fin is slow to answer again. */
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
    this.#known = new TtlCache({ ttlMs: REMEMBERED_MS, maxEntries: 5_000, ...clock });
  }

  /**
   * The user's procedures as `forUser` finds them, if Fin answers within `waitMs`; else the list Fin last gave for them
   * (within a day), or none. The lookup goes on, so the next caller has it.
   */
  within(user: FinUser, waitMs: number): Promise<readonly FinProcedure[]> {
    return within(waitMs, this.forUser(user), () => this.#known.get(user.id) ?? []);
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
