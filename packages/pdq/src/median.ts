/**
 * Torben's median (as the PDQ reference uses): no sorting and no copy, and with float32
 * arithmetic for the midpoint so ties resolve exactly as in the reference.
 */
export function torbenMedian(values: Float32Array): number {
  const n = values.length;
  const half = (n + 1) >> 1;
  let min = values[0] as number;
  let max = min;
  for (let i = 1; i < n; i++) {
    const v = values[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  let less = 0;
  let greater = 0;
  let equal = 0;
  let guess = 0;
  let maxLessThanGuess = 0;
  let minGreaterThanGuess = 0;
  for (;;) {
    guess = Math.fround(Math.fround(min + max) / 2);
    less = 0;
    greater = 0;
    equal = 0;
    maxLessThanGuess = min;
    minGreaterThanGuess = max;
    for (let i = 0; i < n; i++) {
      const v = values[i] as number;
      if (v < guess) {
        less++;
        if (v > maxLessThanGuess) maxLessThanGuess = v;
      } else if (v > guess) {
        greater++;
        if (v < minGreaterThanGuess) minGreaterThanGuess = v;
      } else {
        equal++;
      }
    }
    if (less <= half && greater <= half) break;
    if (less > greater) max = maxLessThanGuess;
    else min = minGreaterThanGuess;
  }
  if (less >= half) return maxLessThanGuess;
  if (less + equal >= half) return guess;
  return minGreaterThanGuess;
}
