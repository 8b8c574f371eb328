import { expect, test } from './support/fixtures.js';

test('first run: create the vault, see the recovery code once, confirm keeping it', async ({ app, server }) => {
  await expect(app.getByRole('heading', { name: 'Welcome to Coffer' })).toBeVisible();
  await app.getByRole('button', { name: 'Create my vault' }).click();
  const code = app.getByLabel('Recovery code');
  await expect(code).toHaveText(/^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$/);
  await expect(app.getByRole('button', { name: 'Continue' })).toBeDisabled();
  await app.getByRole('checkbox').check();
  await app.getByRole('button', { name: 'Continue' }).click();
  await expect(app.getByRole('navigation', { name: 'Screens' })).toBeVisible();
  // The code is gone for good: a reload shows the app, not the code.
  await app.reload();
  await expect(app.getByRole('navigation', { name: 'Screens' })).toBeVisible();
  await expect(app.getByLabel('Recovery code')).toHaveCount(0);
  expect((await server.services.status()).state).toBe('unlocked');
});
