/**
 * The reference's downsampling: two passes of a Jarosz box filter along rows then columns
 * (a tent-like blur), then nearest-sample decimation to 64x64.
 *
 * Bit-exactness: the reference keeps running sums in C++ `float`. We keep them as doubles
 * rounded to float32 after every add and subtract (Math.fround), and write results into
 * Float32Arrays, which rounds them. A double result rounded to float32 equals the float32
 * operation for + - * / (double carries more than 2 x 24 + 2 bits), so every value matches.
 * Division by the window count is done as a multiplication by its double reciprocal: for a
 * float32 x and an integer c < 2^20, x/c is never within 2^-45 (relative) of a float32 rounding
 * boundary unless it is exactly representable, while x * (1/c) is within 2^-52 of x/c, so both
 * round to the same float32 (tested against the reference vectors).
 *
 * Speed (why this is not a line-by-line port of the C++):
 * - Row passes filter four rows at once: a running sum is a chain of dependent adds, so four
 *   independent chains keep the CPU busy while each waits on the previous add.
 * - The column pass walks memory row by row with one running sum per column instead of the
 *   reference's strided column walk, so it streams through cache. Each column sees the same
 *   float32 operations in the same order, so the result is identical.
 * - Decimation reads only 64 columns and 64 rows of the second pass, so the second row pass
 *   only adds (it keeps outputs at the 64 sampled columns) and the second column pass runs
 *   over those 64 columns instead of all of them.
 */
const fround = Math.fround;

/** Window size of the reference: floor((oldDimension + 2*newDimension - 1) / (2*newDimension)). */
export function jaroszWindowSize(oldDimension: number, newDimension = 64): number {
  return Math.trunc((oldDimension + 2 * newDimension - 1) / (2 * newDimension));
}

/** Input indices the reference's decimation samples: floor(((i + 0.5) * inSize) / outSize). */
export function decimationIndices(inSize: number, outSize = 64): Int32Array {
  const indices = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) indices[i] = Math.trunc(((i + 0.5) * inSize) / outSize);
  return indices;
}

/**
 * The phases of the reference's box1DFloat for a line of `length` values and window `full`:
 * `lead` adds with no output, then `grow` outputs while the window grows, `steady` outputs with
 * a full window (add one, subtract one), and `lead` outputs while it shrinks at the end.
 */
interface BoxPhases {
  lead: number;
  grow: number;
  steady: number;
}

function boxPhases(length: number, full: number): BoxPhases {
  const half = (full + 2) >> 1;
  return { lead: half - 1, grow: full - half + 1, steady: length - full };
}

/** Box-filters one line: src[srcBase + k*1] -> dst[dstBase + k], k < length. */
function boxLine(
  src: Float32Array,
  srcBase: number,
  dst: Float32Array,
  dstBase: number,
  length: number,
  full: number,
): void {
  const { lead, grow, steady } = boxPhases(length, full);
  let sum = 0;
  let count = 0;
  let ri = srcBase;
  let li = srcBase;
  let oi = dstBase;
  for (let i = 0; i < lead; i++) {
    sum = fround(sum + (src[ri++] as number));
    count++;
  }
  for (let i = 0; i < grow; i++) {
    sum = fround(sum + (src[ri++] as number));
    count++;
    dst[oi++] = sum * (1 / count);
  }
  const inverse = 1 / count;
  for (let i = 0; i < steady; i++) {
    sum = fround(sum + (src[ri++] as number));
    sum = fround(sum - (src[li++] as number));
    dst[oi++] = sum * inverse;
  }
  for (let i = 0; i < lead; i++) {
    sum = fround(sum - (src[li++] as number));
    count--;
    dst[oi++] = sum * (1 / count);
  }
}

/**
 * Box-filters four consecutive rows of width `cols` starting at `base` at once (independent
 * running sums, for instruction-level parallelism). Same per-row operations as boxLine.
 */
function boxFourRows(
  src: Float32Array,
  srcBase: number,
  dst: Float32Array,
  dstBase: number,
  cols: number,
  full: number,
): void {
  const { lead, grow, steady } = boxPhases(cols, full);
  const b1 = cols;
  const b2 = 2 * cols;
  const b3 = 3 * cols;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let count = 0;
  let ri = srcBase;
  let li = srcBase;
  let oi = dstBase;
  for (let i = 0; i < lead; i++, ri++) {
    s0 = fround(s0 + (src[ri] as number));
    s1 = fround(s1 + (src[ri + b1] as number));
    s2 = fround(s2 + (src[ri + b2] as number));
    s3 = fround(s3 + (src[ri + b3] as number));
    count++;
  }
  for (let i = 0; i < grow; i++, ri++, oi++) {
    s0 = fround(s0 + (src[ri] as number));
    s1 = fround(s1 + (src[ri + b1] as number));
    s2 = fround(s2 + (src[ri + b2] as number));
    s3 = fround(s3 + (src[ri + b3] as number));
    count++;
    const inverse = 1 / count;
    dst[oi] = s0 * inverse;
    dst[oi + b1] = s1 * inverse;
    dst[oi + b2] = s2 * inverse;
    dst[oi + b3] = s3 * inverse;
  }
  const inverse = 1 / count;
  for (let i = 0; i < steady; i++, ri++, li++, oi++) {
    s0 = fround(fround(s0 + (src[ri] as number)) - (src[li] as number));
    s1 = fround(fround(s1 + (src[ri + b1] as number)) - (src[li + b1] as number));
    s2 = fround(fround(s2 + (src[ri + b2] as number)) - (src[li + b2] as number));
    s3 = fround(fround(s3 + (src[ri + b3] as number)) - (src[li + b3] as number));
    dst[oi] = s0 * inverse;
    dst[oi + b1] = s1 * inverse;
    dst[oi + b2] = s2 * inverse;
    dst[oi + b3] = s3 * inverse;
  }
  for (let i = 0; i < lead; i++, li++, oi++) {
    s0 = fround(s0 - (src[li] as number));
    s1 = fround(s1 - (src[li + b1] as number));
    s2 = fround(s2 - (src[li + b2] as number));
    s3 = fround(s3 - (src[li + b3] as number));
    count--;
    const inv = 1 / count;
    dst[oi] = s0 * inv;
    dst[oi + b1] = s1 * inv;
    dst[oi + b2] = s2 * inv;
    dst[oi + b3] = s3 * inv;
  }
}

/** Box filter along every row (window `full`), whole image. */
export function boxAlongRows(
  src: Float32Array,
  dst: Float32Array,
  rows: number,
  cols: number,
  full: number,
): void {
  let r = 0;
  for (; r + 4 <= rows; r += 4) boxFourRows(src, r * cols, dst, r * cols, cols, full);
  for (; r < rows; r++) boxLine(src, r * cols, dst, r * cols, cols, full);
}

/**
 * Box filter along every column (window `full`), computed row-major: `sums[j]` is column j's
 * running float32 sum. Same operation order per column as the reference's strided walk.
 */
export function boxAlongColumns(
  src: Float32Array,
  dst: Float32Array,
  rows: number,
  cols: number,
  full: number,
  sums: Float64Array = new Float64Array(cols),
): void {
  const { lead, grow, steady } = boxPhases(rows, full);
  sums.fill(0, 0, cols);
  let count = 0;
  let add = 0;
  let sub = 0;
  let out = 0;
  for (let i = 0; i < lead; i++, add += cols) {
    for (let j = 0; j < cols; j++) sums[j] = fround((sums[j] as number) + (src[add + j] as number));
    count++;
  }
  for (let i = 0; i < grow; i++, add += cols, out += cols) {
    count++;
    const inverse = 1 / count;
    for (let j = 0; j < cols; j++) {
      const s = fround((sums[j] as number) + (src[add + j] as number));
      sums[j] = s;
      dst[out + j] = s * inverse;
    }
  }
  const inverse = 1 / count;
  for (let i = 0; i < steady; i++, add += cols, sub += cols, out += cols) {
    for (let j = 0; j < cols; j++) {
      const s = fround(fround((sums[j] as number) + (src[add + j] as number)) - (src[sub + j] as number));
      sums[j] = s;
      dst[out + j] = s * inverse;
    }
  }
  for (let i = 0; i < lead; i++, sub += cols, out += cols) {
    count--;
    const inv = 1 / count;
    for (let j = 0; j < cols; j++) {
      const s = fround((sums[j] as number) - (src[sub + j] as number));
      sums[j] = s;
      dst[out + j] = s * inv;
    }
  }
}

/**
 * The column pass as a stream: each call to `next` writes the next filtered row. Lets the second
 * row pass consume rows as they are produced, so the image is not written and re-read in full.
 */
class ColumnBoxStream {
  private readonly phases: BoxPhases;
  private readonly sums: Float64Array;
  private count = 0;
  private add = 0;
  private sub = 0;
  private emitted = 0;

  constructor(
    private readonly src: Float32Array,
    private readonly rows: number,
    private readonly cols: number,
    full: number,
  ) {
    this.phases = boxPhases(rows, full);
    this.sums = new Float64Array(cols);
    const { sums, src: input } = this;
    for (let i = 0; i < this.phases.lead; i++, this.add += cols) {
      const add = this.add;
      for (let j = 0; j < cols; j++) sums[j] = fround((sums[j] as number) + (input[add + j] as number));
      this.count++;
    }
  }

  next(dst: Float32Array, dstBase: number): void {
    const { sums, src, cols, phases } = this;
    const index = this.emitted++;
    if (index >= this.rows) throw new Error('ColumnBoxStream: no rows left');
    if (index < phases.grow) {
      this.count++;
      const inverse = 1 / this.count;
      const add = this.add;
      for (let j = 0; j < cols; j++) {
        const s = fround((sums[j] as number) + (src[add + j] as number));
        sums[j] = s;
        dst[dstBase + j] = s * inverse;
      }
      this.add += cols;
    } else if (index < phases.grow + phases.steady) {
      const inverse = 1 / this.count;
      const add = this.add;
      const sub = this.sub;
      for (let j = 0; j < cols; j++) {
        const s = fround(fround((sums[j] as number) + (src[add + j] as number)) - (src[sub + j] as number));
        sums[j] = s;
        dst[dstBase + j] = s * inverse;
      }
      this.add += cols;
      this.sub += cols;
    } else {
      this.count--;
      const inverse = 1 / this.count;
      const sub = this.sub;
      for (let j = 0; j < cols; j++) {
        const s = fround((sums[j] as number) - (src[sub + j] as number));
        sums[j] = s;
        dst[dstBase + j] = s * inverse;
      }
      this.sub += cols;
    }
  }
}

/** Fills `count` (1..4) consecutive rows of luma, starting at `firstRow`, into `out` from 0. */
export type LumaRowSource = (firstRow: number, count: number, out: Float32Array) => void;

/** Reusable scratch space so hashing many images does not allocate a full plane per image. */
export class BlurScratch {
  private buffer = new Float32Array(0);

  /** A buffer of at least `size` floats, kept for the next image. */
  fullBuffer(size: number): Float32Array {
    if (this.buffer.length < size) this.buffer = new Float32Array(size);
    return this.buffer;
  }
}

/**
 * Blur and decimate: luma rows (from `source`) -> 64x64. One full-size buffer is used (the first
 * row pass's output); everything else streams through four-row buffers that stay in cache.
 */
export function blurAndDecimateRows(
  source: LumaRowSource,
  rows: number,
  cols: number,
  scratch: BlurScratch = new BlurScratch(),
): Float32Array {
  const windowAlongRows = jaroszWindowSize(cols);
  const windowAlongCols = jaroszWindowSize(rows);
  const rowPassOne = scratch.fullBuffer(rows * cols);
  const block = new Float32Array(4 * cols);
  const blockOut = new Float32Array(4 * cols);

  // Pass 1, rows: luma four rows at a time -> rowPassOne.
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    source(r, 4, block);
    boxFourRows(block, 0, rowPassOne, r * cols, cols, windowAlongRows);
  }
  for (; r < rows; r++) {
    source(r, 1, block);
    boxLine(block, 0, rowPassOne, r * cols, cols, windowAlongRows);
  }

  // Pass 1, columns, streamed into pass 2, rows, which keeps only the 64 sampled columns.
  const columns = new ColumnBoxStream(rowPassOne, rows, cols, windowAlongCols);
  const sampledCols = decimationIndices(cols);
  const narrow = new Float32Array(rows * 64);
  const keep = (from: Float32Array, fromBase: number, row: number): void => {
    const to = row * 64;
    for (let j = 0; j < 64; j++) narrow[to + j] = from[fromBase + (sampledCols[j] as number)] as number;
  };
  r = 0;
  for (; r + 4 <= rows; r += 4) {
    for (let k = 0; k < 4; k++) columns.next(block, k * cols);
    boxFourRows(block, 0, blockOut, 0, cols, windowAlongRows);
    for (let k = 0; k < 4; k++) keep(blockOut, k * cols, r + k);
  }
  for (; r < rows; r++) {
    columns.next(block, 0);
    boxLine(block, 0, blockOut, 0, cols, windowAlongRows);
    keep(blockOut, 0, r);
  }

  // Pass 2, columns, over the 64 kept columns; then sample the 64 rows.
  const filtered = new Float32Array(rows * 64);
  boxAlongColumns(narrow, filtered, rows, 64, windowAlongCols);
  const sampledRows = decimationIndices(rows);
  const result = new Float32Array(64 * 64);
  for (let i = 0; i < 64; i++) {
    const from = (sampledRows[i] as number) * 64;
    result.set(filtered.subarray(from, from + 64), i * 64);
  }
  return result;
}

/** Blur and decimate a whole float32 luma plane (rows x cols, row-major). */
export function blurAndDecimate(
  luma: Float32Array,
  rows: number,
  cols: number,
  scratch?: BlurScratch,
): Float32Array {
  return blurAndDecimateRows(
    (firstRow, count, out) => out.set(luma.subarray(firstRow * cols, (firstRow + count) * cols)),
    rows,
    cols,
    scratch,
  );
}
