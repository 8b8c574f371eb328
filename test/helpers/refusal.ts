import { expect } from 'vitest';
import { CofferError } from '../../shared/errors.js';

/** The CofferError `work` is refused with; the test fails if it succeeds or fails some other way. */
export async function refusal(work: Promise<unknown>): Promise<CofferError> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CofferError);
  return error as CofferError;
}
