import { ValidationFailed } from '../shared/domain-error.ts';

const E164 = /^\+[1-9]\d{7,14}$/;
/** Exactly the separators the contract allows: spaces, dashes, dots and parentheses (no tabs, line breaks or NBSP). */
const SEPARATORS = /[ \-.()]/g;

/** A mobile number in E.164 form; separators a person types (spaces, dashes, dots, parentheses) are dropped. */
export type MobileNumber = string & { readonly __brand: 'MobileNumber' };

export function parseMobileNumber(input: string, path = 'mobile'): MobileNumber {
  const compact = input.replace(SEPARATORS, '');
  if (!E164.test(compact)) {
    throw new ValidationFailed(path, 'must be an E.164 mobile number such as +919876543210');
  }
  return compact as MobileNumber;
}
