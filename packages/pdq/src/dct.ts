/**
 * The 64x64 -> 16x16 DCT of the reference (frequencies 1..16, the DC row and column skipped),
 * computed as B = D A D^T with float32 accumulation in the reference's order, and the sign flips
 * that turn one DCT into the DCTs of the image's seven other dihedral transforms.
 */
const fround = Math.fround;

/** D[i][j] = float(sqrt(2/64)) * cos((pi/2/64) * (i+1) * (2j+1)), rounded to float32. */
const DCT_MATRIX: Float32Array = (() => {
  const matrix = new Float32Array(16 * 64);
  const scale = fround(Math.sqrt(2.0 / 64.0));
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) {
      matrix[i * 64 + j] = scale * Math.cos((Math.PI / 2 / 64.0) * (i + 1) * (2 * j + 1));
    }
  }
  return matrix;
})();

/**
 * 64x64 row-major input -> 16x16 row-major DCT coefficients. Each coefficient is a float32 sum
 * in order over k, as in the reference; eight (first product) or four (second) coefficients are
 * accumulated together so that their independent rounding chains overlap.
 */
export function dct64To16(input: Float32Array, out: Float32Array = new Float32Array(256)): Float32Array {
  const d = DCT_MATRIX;
  const t = new Float32Array(16 * 64);
  // T = D A: t[i][j] = sum_k D[i][k] * A[k][j], accumulated over k in order.
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j += 8) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let s4 = 0;
      let s5 = 0;
      let s6 = 0;
      let s7 = 0;
      for (let k = 0; k < 64; k++) {
        const dik = d[i * 64 + k] as number;
        const a = k * 64 + j;
        s0 = Math.fround(s0 + Math.fround(dik * (input[a] as number)));
        s1 = Math.fround(s1 + Math.fround(dik * (input[a + 1] as number)));
        s2 = Math.fround(s2 + Math.fround(dik * (input[a + 2] as number)));
        s3 = Math.fround(s3 + Math.fround(dik * (input[a + 3] as number)));
        s4 = Math.fround(s4 + Math.fround(dik * (input[a + 4] as number)));
        s5 = Math.fround(s5 + Math.fround(dik * (input[a + 5] as number)));
        s6 = Math.fround(s6 + Math.fround(dik * (input[a + 6] as number)));
        s7 = Math.fround(s7 + Math.fround(dik * (input[a + 7] as number)));
      }
      const o = i * 64 + j;
      t[o] = s0;
      t[o + 1] = s1;
      t[o + 2] = s2;
      t[o + 3] = s3;
      t[o + 4] = s4;
      t[o + 5] = s5;
      t[o + 6] = s6;
      t[o + 7] = s7;
    }
  }
  // B = T D^T: b[i][j] = sum_k T[i][k] * D[j][k].
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < 64; k++) {
        const tik = t[i * 64 + k] as number;
        const b = j * 64 + k;
        s0 = Math.fround(s0 + Math.fround(tik * (d[b] as number)));
        s1 = Math.fround(s1 + Math.fround(tik * (d[b + 64] as number)));
        s2 = Math.fround(s2 + Math.fround(tik * (d[b + 128] as number)));
        s3 = Math.fround(s3 + Math.fround(tik * (d[b + 192] as number)));
      }
      const o = i * 16 + j;
      out[o] = s0;
      out[o + 1] = s1;
      out[o + 2] = s2;
      out[o + 3] = s3;
    }
  }
  return out;
}

/**
 * The eight dihedral transforms, in the reference's output order. With x to the right and y
 * down: rotate90 is counter-clockwise, rotate270 clockwise, flipX mirrors top to bottom (across
 * the x axis), flipY left to right, flipPlus1 transposes, flipMinus1 mirrors on the anti-diagonal.
 */
export const DIHEDRAL_NAMES = [
  'original',
  'rotate90',
  'rotate180',
  'rotate270',
  'flipX',
  'flipY',
  'flipPlus1',
  'flipMinus1',
] as const;
export type DihedralName = (typeof DIHEDRAL_NAMES)[number];

/**
 * DCT of a dihedral transform of the image, from the original's DCT: a transpose for the
 * transforms that swap axes, and a sign flip on odd frequencies along each reversed axis.
 */
export function dihedralDct(
  a: Float32Array,
  transform: DihedralName,
  out = new Float32Array(256),
): Float32Array {
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      const v = a[i * 16 + j] as number;
      switch (transform) {
        case 'original':
          out[i * 16 + j] = v;
          break;
        case 'rotate90':
          out[j * 16 + i] = j & 1 ? v : -v;
          break;
        case 'rotate180':
          out[i * 16 + j] = (i + j) & 1 ? -v : v;
          break;
        case 'rotate270':
          out[j * 16 + i] = i & 1 ? v : -v;
          break;
        case 'flipX':
          out[i * 16 + j] = i & 1 ? v : -v;
          break;
        case 'flipY':
          out[i * 16 + j] = j & 1 ? v : -v;
          break;
        case 'flipPlus1':
          out[j * 16 + i] = v;
          break;
        case 'flipMinus1':
          out[j * 16 + i] = (i + j) & 1 ? -v : v;
          break;
      }
    }
  }
  return out;
}
