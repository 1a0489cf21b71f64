import type { FinProcedure } from '../fin/schemas.ts';

/** What `/fin-procedure <text>` names: one procedure (and the message after its name), several, or none. */
export type ProcedureMatch =
  | { readonly kind: 'one'; readonly procedureId: string; readonly name: string | undefined; readonly message: string }
  | { readonly kind: 'several'; readonly names: readonly string[] }
  | { readonly kind: 'none' };

const fold = (text: string) => text.normalize('NFKC').toLocaleLowerCase('en').replace(/\s+/g, ' ').trim();

/** Procedure ids are opaque but short, without spaces (`12345`, `proc_abc-1`): the app's id rule since `/fin-procedure` began. */
const ID = /^[\w.-]{1,100}$/;

/**
 * Finds the procedure `text` names, by id or by name (case-insensitive), in this order:
 * 1. the first word is the id of a listed procedure;
 * 2. the text begins with a whole procedure name (the longest that fits): the rest is the message;
 * 3. the whole text begins exactly one procedure's name (an unambiguous prefix); several are `several`;
 * 4. with no list at all (Fin would not say: the feature may be off), the first word is taken as an id, as it always
 *    was; with a list, a word on it nowhere is `none` (Fin lists every procedure this person may run).
 */
export function matchProcedure(text: string, procedures: readonly FinProcedure[]): ProcedureMatch {
  const typed = text.trim();
  const [first = '', ...rest] = typed.split(/\s+/);
  const byId = procedures.find((p) => p.id === first);
  if (byId !== undefined) return { kind: 'one', procedureId: byId.id, name: byId.name, message: rest.join(' ') };
  const folded = fold(typed);
  const whole = procedures
    .filter((p) => {
      const name = fold(p.name);
      return folded === name || folded.startsWith(`${name} `);
    })
    .sort((a, b) => fold(b.name).length - fold(a.name).length)[0];
  if (whole !== undefined) {
    return {
      kind: 'one',
      procedureId: whole.id,
      name: whole.name,
      message: typed.split(/\s+/).slice(fold(whole.name).split(' ').length).join(' '),
    };
  }
  const prefixed = folded === '' ? [] : procedures.filter((p) => fold(p.name).startsWith(folded));
  if (prefixed.length === 1 && prefixed[0] !== undefined)
    return { kind: 'one', procedureId: prefixed[0].id, name: prefixed[0].name, message: '' };
  if (prefixed.length > 1) return { kind: 'several', names: prefixed.map((p) => p.name) };
  if (procedures.length === 0 && ID.test(first)) return { kind: 'one', procedureId: first, name: undefined, message: rest.join(' ') };
  return { kind: 'none' };
}
