import { within } from '@testing-library/react';
import type { UserEvent } from '@testing-library/user-event';

function listOf(combobox: HTMLElement): HTMLElement {
  const list = document.getElementById(combobox.getAttribute('aria-controls') ?? '');
  if (!list) throw new Error('the combobox controls no list box');
  return list;
}

/** The labels a SearchSelect offers (opened by a click, closed again with Escape). */
export async function optionLabels(user: UserEvent, combobox: HTMLElement): Promise<string[]> {
  await user.click(combobox);
  const labels = within(listOf(combobox))
    .getAllByRole('option')
    .map((o) => o.querySelector('.search-select-label')?.textContent ?? '');
  await user.keyboard('{Escape}');
  return labels;
}

/** Chooses the option with this label, as a user would: open, click it. */
export async function pickOption(user: UserEvent, combobox: HTMLElement, label: string): Promise<void> {
  await user.click(combobox);
  const option = within(listOf(combobox))
    .getAllByRole('option')
    .find((o) => o.querySelector('.search-select-label')?.textContent === label);
  if (!option) throw new Error(`no option "${label}"`);
  await user.click(option);
}
