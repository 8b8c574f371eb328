import { toErrorValue, type ErrorValue } from '../../shared/errors.js';
import { cliHost } from './cli-host.js';

/** The contract's output: one JSON object on stdout for success; the error object on stderr. */
export function printResult(value: unknown): void {
  const { stdout } = cliHost();
  stdout.write(`${JSON.stringify(value, null, stdout.isTTY ? 2 : undefined)}\n`);
}

export function errorBody(error: ErrorValue): { error: { error_code: string; error_msg: string } } {
  return { error: { error_code: error.code, error_msg: error.message } };
}

/** JSON for scripts; a plain sentence for a person at a terminal. */
export function printError(error: unknown): void {
  const value = toErrorValue(error);
  const { stderr } = cliHost();
  if (stderr.isTTY) {
    stderr.write(`coffer: ${value.message} (${value.code})\n`);
  } else {
    stderr.write(`${JSON.stringify(errorBody(value))}\n`);
  }
}
