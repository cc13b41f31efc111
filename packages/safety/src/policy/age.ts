import { SafetyError } from '../errors.js';

/**
 * Age bands. `under13` never gets an account (COPPA / the platforms' own minimum age); the two
 * teen bands get different defaults and rules (docs/safety.md, "Rules per band").
 */
export type AgeBand = 'under13' | 'teen13to15' | 'teen16to17' | 'adult';

export const AGE_BANDS: readonly AgeBand[] = ['under13', 'teen13to15', 'teen16to17', 'adult'];

/** Oldest declared age accepted; anything older is a typo or a made-up date. */
export const MAX_AGE_YEARS = 130;

/** A calendar date (no time, no zone): what a person declares as their birth date. */
export interface BirthDate {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Parses an ISO 8601 calendar date `YYYY-MM-DD` and checks it is a real day (no 2010-02-30),
 * not after `now` and not more than 130 years before it. `now` is ms since the epoch; the
 * calendar day is taken in UTC.
 */
export function parseBirthDate(text: unknown, now: number, field = 'birthDate'): BirthDate {
  if (typeof text !== 'string')
    throw new SafetyError('BIRTH_DATE_MALFORMED', field, `${field} must be a YYYY-MM-DD string`);
  const match = ISO_DATE.exec(text);
  if (!match) throw new SafetyError('BIRTH_DATE_MALFORMED', field, `${field} must be a YYYY-MM-DD date`);
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  const probe = new Date(Date.UTC(date.year, date.month - 1, date.day));
  if (
    date.month < 1 ||
    date.month > 12 ||
    probe.getUTCFullYear() !== date.year ||
    probe.getUTCMonth() !== date.month - 1 ||
    probe.getUTCDate() !== date.day
  ) {
    throw new SafetyError('BIRTH_DATE_MALFORMED', field, `${field} is not a calendar day`);
  }
  const today = utcDay(now);
  if (compareDates(date, today) > 0)
    throw new SafetyError('BIRTH_DATE_IN_FUTURE', field, `${field} is in the future`);
  if (ageOn(date, today) > MAX_AGE_YEARS)
    throw new SafetyError('BIRTH_DATE_TOO_OLD', field, `${field} is more than ${MAX_AGE_YEARS} years ago`);
  return date;
}

export function formatBirthDate(date: BirthDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

function utcDay(now: number): BirthDate {
  if (!Number.isFinite(now))
    throw new SafetyError('BIRTH_DATE_MALFORMED', 'now', 'now must be a finite time');
  const d = new Date(now);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function compareDates(a: BirthDate, b: BirthDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/** Completed years between `birth` and `on` (a person born on 29 February turns a year older on 1 March). */
export function ageOn(birth: BirthDate, on: BirthDate): number {
  let age = on.year - birth.year;
  if (on.month < birth.month || (on.month === birth.month && on.day < birth.day)) age -= 1;
  return age;
}

/** Age in completed years at `now` (ms since the epoch, UTC calendar). */
export function ageAt(birth: BirthDate, now: number): number {
  return ageOn(birth, utcDay(now));
}

export function bandForAge(age: number): AgeBand {
  if (age < 13) return 'under13';
  if (age < 16) return 'teen13to15';
  if (age < 18) return 'teen16to17';
  return 'adult';
}

export function bandAt(birth: BirthDate, now: number): AgeBand {
  return bandForAge(ageAt(birth, now));
}

export const isMinor = (band: AgeBand): boolean => band !== 'adult';

/**
 * Age assurance: a pluggable check (facial age estimation, an ID document, a bank or carrier
 * check, a verified parent's vouching) the host wires in. The policy never performs I/O itself:
 * the host runs the hook and hands its result to `changeBirthDate`.
 */
export interface AgeAssuranceResult {
  /** Which method answered, e.g. "id-document", "facial-estimation", "parent-vouch". */
  method: string;
  /** The band the method supports, if it gives one. */
  band: AgeBand;
  /** True when the method vouches for `band` with the confidence the host requires. */
  verified: boolean;
}

export interface AgeAssurance {
  /** Assesses the account's age; may be asynchronous (the host's adapter does the I/O). */
  assess(request: {
    accountId: string;
    declaredBirthDate: BirthDate;
  }): Promise<AgeAssuranceResult> | AgeAssuranceResult;
}

/** The age record of an account as the server keeps it. */
export interface AgeProfile {
  birthDate: BirthDate;
  /** The band at signup or at the last assured change. */
  assured: AgeAssuranceResult | null;
}

/**
 * A declared birth date changing after signup. A correction that keeps the band the account is in
 * today is allowed; one that moves it to another band (either way: an adult claiming to be 14 is
 * as dangerous as a 14-year-old claiming to be 18) needs an age-assurance result that vouches for
 * the new band. Throws AGE_BAND_CHANGE_NEEDS_ASSURANCE otherwise.
 */
export function changeBirthDate(
  current: AgeProfile,
  requested: string,
  now: number,
  assurance?: AgeAssuranceResult,
): AgeProfile {
  const birthDate = parseBirthDate(requested, now, 'birthDate');
  const before = bandAt(current.birthDate, now);
  const after = bandAt(birthDate, now);
  if (before === after) return { birthDate, assured: current.assured };
  if (assurance === undefined || !assurance.verified || assurance.band !== after) {
    throw new SafetyError(
      'AGE_BAND_CHANGE_NEEDS_ASSURANCE',
      'birthDate',
      `birthDate would move the account from ${before} to ${after}; that needs an age-assurance result verifying ${after}`,
    );
  }
  return { birthDate, assured: assurance };
}
