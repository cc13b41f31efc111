import { SafetyError } from '../errors.js';
import type { AgeBand } from './age.js';

/** Who may do something to an account: only its accepted contacts, or anyone. */
export type Audience = 'contacts' | 'everyone';

/** An account's safety settings. Every minor band starts at the strictest value of each. */
export interface SafetySettings {
  /** Private: profile details (avatar, bio) shown to accepted contacts only. */
  accountPrivate: boolean;
  /** Discoverable: found by handle search and suggested to others. */
  discoverable: boolean;
  /** Who may start a conversation (a DM or a new group) with the account. */
  messagesFrom: Audience;
  /** Who may add the account to an existing group. */
  groupAddsFrom: Audience;
  /** Whose media (image/video attachments) the account receives. */
  mediaFrom: Audience;
  /** Location sharing in the client. */
  locationSharing: boolean;
}

export type SettingKey = keyof SafetySettings;

export const SETTING_KEYS: readonly SettingKey[] = [
  'accountPrivate',
  'discoverable',
  'messagesFrom',
  'groupAddsFrom',
  'mediaFrom',
  'locationSharing',
];

const STRICT: SafetySettings = {
  accountPrivate: true,
  discoverable: false,
  messagesFrom: 'contacts',
  groupAddsFrom: 'contacts',
  mediaFrom: 'contacts',
  locationSharing: false,
};

/** Per-band defaults: minors get the strictest value of every setting; location is off for everyone. */
export function defaultSettings(band: AgeBand): SafetySettings {
  if (band === 'adult') {
    return {
      accountPrivate: false,
      discoverable: true,
      messagesFrom: 'everyone',
      groupAddsFrom: 'everyone',
      mediaFrom: 'everyone',
      locationSharing: false,
    };
  }
  if (band === 'teen13to15' || band === 'teen16to17') return { ...STRICT };
  throw new SafetyError('BAND_UNKNOWN', 'band', `no account and no settings for band ${band}`);
}

/** Looseness rank of a value: 0 = the strictest. */
function rank(key: SettingKey, value: SafetySettings[SettingKey]): number {
  switch (key) {
    case 'accountPrivate':
      return value === true ? 0 : 1;
    case 'discoverable':
    case 'locationSharing':
      return value === true ? 1 : 0;
    default:
      return value === 'contacts' ? 0 : 1;
  }
}

/** Checks a (key, value) pair from outside; returns it typed. */
export function parseSetting(
  key: unknown,
  value: unknown,
): { key: SettingKey; value: SafetySettings[SettingKey] } {
  if (typeof key !== 'string' || !(SETTING_KEYS as readonly string[]).includes(key)) {
    throw new SafetyError('SETTING_UNKNOWN', 'key', `key must be one of ${SETTING_KEYS.join(', ')}`);
  }
  const k = key as SettingKey;
  const boolean = k === 'accountPrivate' || k === 'discoverable' || k === 'locationSharing';
  if (boolean ? typeof value !== 'boolean' : value !== 'contacts' && value !== 'everyone') {
    throw new SafetyError(
      'SETTING_VALUE_INVALID',
      'value',
      `value of ${k} must be ${boolean ? 'true or false' : '"contacts" or "everyone"'}`,
    );
  }
  return { key: k, value: value as SafetySettings[SettingKey] };
}

/** True when setting `key` to `value` exposes the account more than its current value does. */
export function isLoosening(
  current: SafetySettings,
  key: SettingKey,
  value: SafetySettings[SettingKey],
): boolean {
  return rank(key, value) > rank(key, current[key]);
}
