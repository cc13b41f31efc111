/**
 * The reference's image-domain quality metric over the 64x64 blurred, decimated luma:
 * sum of |vertical and horizontal neighbour differences| scaled to 0..100. Float32 arithmetic
 * and truncation toward zero exactly as the C++ (`int d = ((u - v) * 100) / 255`).
 */
export function qualityFrom64x64(buffer: Float32Array): number {
  const fround = Math.fround;
  let gradientSum = 0;
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) {
      const u = buffer[i * 64 + j] as number;
      const v = buffer[(i + 1) * 64 + j] as number;
      gradientSum += Math.abs(Math.trunc(fround(fround(fround(u - v) * 100) / 255)));
    }
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) {
      const u = buffer[i * 64 + j] as number;
      const v = buffer[i * 64 + j + 1] as number;
      gradientSum += Math.abs(Math.trunc(fround(fround(fround(u - v) * 100) / 255)));
    }
  }
  const quality = Math.trunc(gradientSum / 90);
  return Math.min(quality, 100);
}
