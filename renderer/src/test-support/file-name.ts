import type { MatcherFunction } from '@testing-library/react';

/** Finds a <FileName> by the whole name it shows (its head and tail are separate spans). */
export function fileNamed(name: string): MatcherFunction {
  return (_content, element) => element?.classList.contains('file-name') === true && element.textContent === name;
}
