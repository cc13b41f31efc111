import { InvalidArgumentError } from 'commander';

/**
 * Command-line value parsers shared by every command: each names the option and quotes the
 * value it refused, and commander turns the error into a usage error (exit 2).
 */
export function integerOption(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  const range =
    max === Number.MAX_SAFE_INTEGER
      ? min === 1
        ? 'a positive integer'
        : `an integer >= ${min}`
      : `an integer from ${min} to ${max}`;
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${name} must be ${range}, got "${value}"`);
    }
    return parsed;
  };
}

export function numberOption(name: string, min: number, max = Number.POSITIVE_INFINITY) {
  const range = max === Number.POSITIVE_INFINITY ? `a number >= ${min}` : `a number from ${min} to ${max}`;
  return (value: string): number => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${name} must be ${range}, got "${value}"`);
    }
    return parsed;
  };
}
