import { describe, expect, it } from 'vitest';
import { matchProcedure } from '../../../src/bridge/procedure-match.ts';

const PROCEDURES = [
  { id: '101', name: 'Reset password', description: 'Walks you through a new password.' },
  { id: '102', name: 'Reset password for a team', description: '' },
  { id: '201', name: 'Refund an order', description: 'For orders under 30 days.' },
  { id: '301', name: 'Änderung der Adresse', description: '' },
];

describe('matching /fin-procedure’s text to a procedure', () => {
  it('takes a listed id, with the rest as the message', () => {
    expect(matchProcedure('201 order 987 arrived broken', PROCEDURES)).toEqual({
      kind: 'one',
      procedureId: '201',
      name: 'Refund an order',
      message: 'order 987 arrived broken',
    });
  });

  it('takes a whole name, case-insensitively, the longest that fits, with the rest as the message', () => {
    expect(matchProcedure('reset PASSWORD', PROCEDURES)).toMatchObject({ kind: 'one', procedureId: '101', message: '' });
    expect(matchProcedure('Reset password for a team  of five', PROCEDURES)).toMatchObject({ procedureId: '102', message: 'of five' });
    expect(matchProcedure('refund an order I was charged twice', PROCEDURES)).toMatchObject({
      procedureId: '201',
      message: 'I was charged twice',
    });
    expect(matchProcedure('änderung der adresse', PROCEDURES)).toMatchObject({ procedureId: '301' });
  });

  it('takes an unambiguous prefix of a name, and names the procedures an ambiguous one fits', () => {
    expect(matchProcedure('ref', PROCEDURES)).toMatchObject({ kind: 'one', procedureId: '201', message: '' });
    expect(matchProcedure('reset pass', PROCEDURES)).toEqual({ kind: 'several', names: ['Reset password', 'Reset password for a team'] });
    expect(matchProcedure('re', PROCEDURES)).toMatchObject({ kind: 'several' });
  });

  it('finds nothing for a word on no list, but takes it as an id when Fin lists nothing (the feature may be off)', () => {
    expect(matchProcedure('cancel my plan', PROCEDURES)).toEqual({ kind: 'none' });
    expect(matchProcedure('999', PROCEDURES)).toEqual({ kind: 'none' });
    expect(matchProcedure('proc-7 I want a refund', [])).toEqual({
      kind: 'one',
      procedureId: 'proc-7',
      name: undefined,
      message: 'I want a refund',
    });
    expect(matchProcedure('', [])).toEqual({ kind: 'none' });
  });
});
