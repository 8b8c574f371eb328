import { toErrorValue, type ErrorValue } from '../../shared/errors.js';

/** The contract's output: one JSON object on stdout for success; the error object on stderr. */
export function printResult(value: unknown): void {
  const pretty = process.stdout.isTTY ? 2 : undefined;
  process.stdout.write(`${JSON.stringify(value, null, pretty)}\n`);
}

export function errorBody(error: ErrorValue): { error: { error_code: string; error_msg: string } } {
  return { error: { error_code: error.code, error_msg: error.message } };
}

/** JSON for scripts; a plain sentence for a person at a terminal. */
export function printError(error: unknown): void {
  const value = toErrorValue(error);
  if (process.stderr.isTTY) {
    process.stderr.write(`coffer: ${value.message} (${value.code})\n`);
  } else {
    process.stderr.write(`${JSON.stringify(errorBody(value))}\n`);
  }
}
