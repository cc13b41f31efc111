import { randomBytes } from 'node:crypto';

/** Random hashes play the "known" content in tests: benign by construction. */
export function randomHex(characters: number): string {
  return randomBytes(Math.ceil(characters / 2))
    .toString('hex')
    .slice(0, characters);
}

export const randomPdq = (): string => randomHex(64);
export const randomMd5 = (): string => randomHex(32);
export const randomSha256 = (): string => randomHex(64);

export function randomVpdq(frames = 3): string {
  return Array.from({ length: frames }, (_, i) => `${randomPdq()}:${50 + i}:${i}.000`).join(';');
}

/** Byte-order comparison of ASCII strings (what the database's ORDER BY gives). */
export function compareAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

let counter = 0;
/** A bank name no other test in this process uses. */
export function uniqueBankName(prefix = 'TEST'): string {
  counter++;
  return `${prefix}_${process.pid}_${counter}`;
}
