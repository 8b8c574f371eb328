import { CofferError, type ErrorCode } from '../../../shared/errors.js';

/**
 * File-system failures that a person can act on, each with its own code and words, instead of
 * the system's message under an internal error. What was kept is the caller's to say.
 */
const BY_ERRNO: Readonly<Record<string, ErrorCode>> = {
  ENOSPC: 'COFFER.2031',
  EDQUOT: 'COFFER.2031',
  EACCES: 'COFFER.2032',
  EPERM: 'COFFER.2032',
  ELOOP: 'COFFER.2033',
  ENAMETOOLONG: 'COFFER.2034',
  EROFS: 'COFFER.2035',
};

const WHY: Readonly<Partial<Record<ErrorCode, string>>> = {
  'COFFER.2031': 'the disk is full (or your quota is used up); free some space and try again',
  'COFFER.2032': 'permission was denied; check who owns it and its permissions',
  'COFFER.2033': 'its path is a loop of symbolic links that never reaches a file',
  'COFFER.2034': 'its name is too long for the file system; give it a shorter name',
  'COFFER.2035': 'the file system is read-only; choose another output folder',
};

/** The Coffer code for a system error's errno, if it is one of the failures above. */
export function fsFailureCode(error: unknown): ErrorCode | undefined {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof errno === 'string' ? BY_ERRNO[errno] : undefined;
}

export function isFsFailure(error: unknown): error is CofferError {
  return error instanceof CofferError && WHY[error.code] !== undefined;
}

/**
 * "`subject`: why. `kept`" as a CofferError, for a system error (or a failure already mapped,
 * e.g. by a worker that did not know the paths); undefined for any other error.
 */
export function fsFailure(error: unknown, subject: string, kept: string): CofferError | undefined {
  const code = isFsFailure(error) ? error.code : fsFailureCode(error);
  if (!code) return undefined;
  return new CofferError(code, `${subject}: ${WHY[code]}. ${kept}`.trim(), { cause: error });
}
