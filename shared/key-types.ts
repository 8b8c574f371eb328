/** Huawei KMS key states, by their numeric codes. */
export const KeyState = {
  Enabled: 2,
  Disabled: 3,
  PendingDeletion: 4,
  PendingImport: 5,
} as const;
export type KeyState = (typeof KeyState)[keyof typeof KeyState];

export const KEY_STATE_NAMES: Record<KeyState, string> = {
  2: 'Enabled',
  3: 'Disabled',
  4: 'Pending deletion',
  5: 'Pending import',
};

export type KeyOrigin = 'kms' | 'external';

export const KEY_LIMITS = {
  aliasPattern: /^[a-zA-Z0-9:/_-]{1,255}$/,
  descriptionMax: 255,
  pendingDaysMin: 7,
  pendingDaysMax: 1096,
  rotationIntervalMin: 30,
  rotationIntervalMax: 365,
  rotationIntervalDefault: 365,
  maxKeys: 10_000,
  maxTags: 20,
  tagKeyMax: 36,
  tagValueMax: 43,
  listLimitMax: 1000,
} as const;

export const DAY_MS = 86_400_000;
