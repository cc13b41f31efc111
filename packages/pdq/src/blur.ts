/**
 * The reference's downsampling: two passes of a Jarosz box filter along rows then columns
 * (a tent-like blur), then nearest-sample decimation to 64x64.
 *
 * Bit-exactness: the reference keeps running sums in C++ `float`. We keep them as doubles
 * rounded to float32 after every add and subtract (Math.fround), and write results into
 * Float32Arrays or through Math.fround. A double result rounded to float32 equals the float32
 * operation for + - * / (double carries more than 2 x 24 + 2 bits), so every value matches.
 * Division by the window count is done as a multiplication by its double reciprocal: for a
 * float32 x and an integer c < 2^20, x/c is never within 2^-45 (relative) of a float32 rounding
 * boundary unless it is exactly representable, while x * (1/c) is within 2^-52 of x/c, so both
 * round to the same float32 (tested against a line-by-line port that divides, blur.test.ts).
 *
 * Zero padding: the reference's box1DFloat has four phases (add only; add and output while the
 * window grows; add, subtract and output; subtract and output while it shrinks). We run every
 * step as "add the entering value, then subtract the leaving value" over lines padded with
 * zeros, so one loop covers all phases. That is exact: adding or subtracting +0 returns the
 * same float (a running sum never becomes -0: round-to-nearest gives x - x = +0), and the
 * extra rounding of an already-float32 value changes nothing. The outputs of the growing and
 * shrinking phases use the reference's window count through a per-output reciprocal table.
 *
 * Speed. What costs in V8 here: every typed-array access (a shape check, length and data pointer
 * loads per array per loop iteration, then an index computation and a bounds check per access),
 * every Math.fround (two conversion instructions), and chains of dependent roundings. So:
 * - The pipeline streams: luma rows -> first row pass -> a ring of the last few filtered rows ->
 *   first column pass -> second row pass, which keeps only the 64 sampled columns -> second
 *   column pass over those, which keeps only the 64 sampled rows. Per pixel only small buffers
 *   are touched, and they stay in cache; no full-size plane is written or read back.
 * - All per-pixel working memory (ring, column sums, line buffers) is one Float64Array, the
 *   heap, so a loop pays the per-array costs once; Float64 because loading a float32-exact
 *   double needs no conversion (a Float32Array costs one per load, two loads per value).
 * - Row passes run eight rows per loop iteration: eight independent running sums hide each
 *   other's rounding latency. The column pass walks memory row by row with one running sum per
 *   column (each column sees the same operations in the same order as the reference's strided
 *   walk), four columns per iteration.
 * - Loop-invariant offsets are masked (INDEX below) so V8 can drop overflow checks; Math.fround
 *   is called directly (when a module is compiled to CommonJS, as some loaders and bundlers do,
 *   a module-level alias costs a context load and two checks per call in optimised code).
 * - With luma from 8-bit pixels, averages over power-of-two windows skip a rounding that
 *   provably cannot change them (see blurSampled).
 * Tried and measured no faster, so not kept: fusing the first column pass with the second row
 * pass (directly, or skewed by one column per row) and luma with the first row pass (the
 * fused loops carry long dependency chains); stepping the column pass through two or four rows
 * per iteration; unrolling the row passes over two columns; a Float32 ring; replacing fround by
 * Veltkamp splitting.
 */

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
 * Values the box filter adds before its first output: the reference's phase 1 length,
 * half - 1 with half = (full + 2) / 2. Output o is produced right after adding input o + lead
 * (and subtracting input o + lead - full).
 */
function leadOf(full: number): number {
  return full >> 1;
}

/**
 * 1 / (number of values in the window) for each output of a line of `length` values: the
 * reference's current_window_size, which grows from lead + 1 to `full` and shrinks at the end.
 * Needs full <= length, as the reference does (PDQ's windows are about length / 128).
 */
function windowInverses(length: number, full: number): Float64Array {
  const lead = leadOf(full);
  const inverses = new Float64Array(length);
  for (let o = 0; o < length; o++) {
    const last = Math.min(o + lead, length - 1);
    const first = Math.max(o + lead - full + 1, 0);
    inverses[o] = 1 / (last - first + 1);
  }
  return inverses;
}

/**
 * Fills `count` consecutive rows of luma, starting at image row `firstRow`, into `out`:
 * row k goes to out[base + k*stride + x], x < width. Must not touch anything else in `out`.
 */
export type LumaRowSource = (
  firstRow: number,
  count: number,
  out: Float64Array,
  base: number,
  stride: number,
) => void;

/** Rows the row passes process together (independent running sums in one loop). */
const ROWS = 8;

/**
 * Every heap index and offset is below 2^28, and the kernels below say so by masking their
 * loop-invariant offsets and bounds with INDEX (a no-op on such values). V8 then knows that
 * sums of up to four of them fit in an int32 and drops the overflow check and sign extension
 * it would otherwise emit for every `heap[base + x]` (about 15% of a kernel's time).
 */
const INDEX = 0x0fffffff;

/**
 * First row pass for eight rows. heap[lines + k*stride ...] holds row k zero-padded (its values
 * at [full, full + cols), zeros before and after); output row k goes to heap[out[k] + x].
 * Outputs in [exactFrom, exactTo) are sums times a power of two that cannot underflow, exact
 * without rounding (see blurSampled).
 */
function rowPassEight(
  heap: Float64Array,
  lines: number,
  stride: number,
  cols: number,
  full: number,
  inverses: Float64Array,
  out: Int32Array,
  exactFrom: number,
  exactTo: number,
): void {
  const n = cols & INDEX;
  const lead = leadOf(full) & INDEX;
  // Row k is read at heap[x + k*stride] and written at heap[ok + o].
  const l1 = stride & INDEX;
  const l2 = (2 * stride) & INDEX;
  const l3 = (3 * stride) & INDEX;
  const l4 = (4 * stride) & INDEX;
  const l5 = (5 * stride) & INDEX;
  const l6 = (6 * stride) & INDEX;
  const l7 = (7 * stride) & INDEX;
  const o0 = (out[0] as number) & INDEX;
  const o1 = (out[1] as number) & INDEX;
  const o2 = (out[2] as number) & INDEX;
  const o3 = (out[3] as number) & INDEX;
  const o4 = (out[4] as number) & INDEX;
  const o5 = (out[5] as number) & INDEX;
  const o6 = (out[6] as number) & INDEX;
  const o7 = (out[7] as number) & INDEX;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  let s6 = 0;
  let s7 = 0;
  // Phase 1 of the reference: adds only (the leaving values would be padding zeros).
  const first = (lines + full) & INDEX;
  for (let t = 0; t < lead; t++) {
    const add = first + t;
    s0 = Math.fround(s0 + (heap[add] as number));
    s1 = Math.fround(s1 + (heap[add + l1] as number));
    s2 = Math.fround(s2 + (heap[add + l2] as number));
    s3 = Math.fround(s3 + (heap[add + l3] as number));
    s4 = Math.fround(s4 + (heap[add + l4] as number));
    s5 = Math.fround(s5 + (heap[add + l5] as number));
    s6 = Math.fround(s6 + (heap[add + l6] as number));
    s7 = Math.fround(s7 + (heap[add + l7] as number));
  }
  // Phases 2 to 4: add the entering value, subtract the leaving one, output. The leaving value
  // trails the entering one by `full`; before the window is full it is a leading zero, after
  // the last column the entering one is a trailing zero.
  const entering = (first + lead) & INDEX;
  const leaving = (lines + lead) & INDEX;
  for (let o = 0; o < n; o++) {
    const add = entering + o;
    const sub = leaving + o;
    s0 = Math.fround(Math.fround(s0 + (heap[add] as number)) - (heap[sub] as number));
    s1 = Math.fround(Math.fround(s1 + (heap[add + l1] as number)) - (heap[sub + l1] as number));
    s2 = Math.fround(Math.fround(s2 + (heap[add + l2] as number)) - (heap[sub + l2] as number));
    s3 = Math.fround(Math.fround(s3 + (heap[add + l3] as number)) - (heap[sub + l3] as number));
    s4 = Math.fround(Math.fround(s4 + (heap[add + l4] as number)) - (heap[sub + l4] as number));
    s5 = Math.fround(Math.fround(s5 + (heap[add + l5] as number)) - (heap[sub + l5] as number));
    s6 = Math.fround(Math.fround(s6 + (heap[add + l6] as number)) - (heap[sub + l6] as number));
    s7 = Math.fround(Math.fround(s7 + (heap[add + l7] as number)) - (heap[sub + l7] as number));
    const inverse = inverses[o] as number;
    if (o >= exactFrom && o < exactTo) {
      heap[o0 + o] = s0 * inverse;
      heap[o1 + o] = s1 * inverse;
      heap[o2 + o] = s2 * inverse;
      heap[o3 + o] = s3 * inverse;
      heap[o4 + o] = s4 * inverse;
      heap[o5 + o] = s5 * inverse;
      heap[o6 + o] = s6 * inverse;
      heap[o7 + o] = s7 * inverse;
    } else {
      heap[o0 + o] = Math.fround(s0 * inverse);
      heap[o1 + o] = Math.fround(s1 * inverse);
      heap[o2 + o] = Math.fround(s2 * inverse);
      heap[o3 + o] = Math.fround(s3 * inverse);
      heap[o4 + o] = Math.fround(s4 * inverse);
      heap[o5 + o] = Math.fround(s5 * inverse);
      heap[o6 + o] = Math.fround(s6 * inverse);
      heap[o7 + o] = Math.fround(s7 * inverse);
    }
  }
}

/**
 * Adds heap row `from` into the column sums at heap[sums...] (the column pass's phase 1).
 * Needs from >= sums.
 */
function addRowToSums(heap: Float64Array, from: number, sums: number, cols: number): void {
  const d = (from - sums) & INDEX;
  const start = sums & INDEX;
  const end = (sums + cols) & INDEX;
  for (let x = start; x < end; x++) heap[x] = Math.fround((heap[x] as number) + (heap[x + d] as number));
}

/**
 * `count` consecutive output rows of the first column pass. heap[sums + x] is column x's running
 * float32 sum; output row k adds heap row add[k] and subtracts heap row sub[k] (the zero row
 * when the reference does not), and goes to heap[lines + k*stride + x]; when exact[k] is 1 its
 * outputs are sums times a power of two that cannot underflow, exact without rounding (see
 * blurSampled). Every column is independent, so the inner loop runs many short dependency
 * chains side by side (stepping a column through two rows per loop measured the same; through
 * four, slower, as each chain gets long enough to stall the CPU). Needs the sums to come first
 * in the heap, so that the offsets below are not negative.
 */
function columnPassRows(
  heap: Float64Array,
  add: Int32Array,
  sub: Int32Array,
  inverses: Float64Array,
  exact: Int32Array,
  count: number,
  sums: number,
  lines: number,
  stride: number,
  cols: number,
): void {
  const start = sums & INDEX;
  const end = (sums + cols) & INDEX;
  // Four columns per iteration: spreads the loop's fixed cost (the array's shape, length and
  // data pointer loads, the interrupt check) over four pixels.
  const end4 = (sums + (cols & ~3)) & INDEX;
  for (let k = 0; k < count; k++) {
    // Offsets from the sum index x to the entering, leaving and output values.
    const a = ((add[k] as number) - sums) & INDEX;
    const b = ((sub[k] as number) - sums) & INDEX;
    const to = (lines + k * stride - sums) & INDEX;
    const inverse = inverses[k] as number;
    let x = start;
    if (exact[k] === 1) {
      for (; x < end4; x += 4) {
        const s0 = Math.fround(
          Math.fround((heap[x] as number) + (heap[x + a] as number)) - (heap[x + b] as number),
        );
        const s1 = Math.fround(
          Math.fround((heap[x + 1] as number) + (heap[x + a + 1] as number)) - (heap[x + b + 1] as number),
        );
        const s2 = Math.fround(
          Math.fround((heap[x + 2] as number) + (heap[x + a + 2] as number)) - (heap[x + b + 2] as number),
        );
        const s3 = Math.fround(
          Math.fround((heap[x + 3] as number) + (heap[x + a + 3] as number)) - (heap[x + b + 3] as number),
        );
        heap[x] = s0;
        heap[x + 1] = s1;
        heap[x + 2] = s2;
        heap[x + 3] = s3;
        heap[x + to] = s0 * inverse;
        heap[x + to + 1] = s1 * inverse;
        heap[x + to + 2] = s2 * inverse;
        heap[x + to + 3] = s3 * inverse;
      }
    }
    for (; x < end4; x += 4) {
      const s0 = Math.fround(
        Math.fround((heap[x] as number) + (heap[x + a] as number)) - (heap[x + b] as number),
      );
      const s1 = Math.fround(
        Math.fround((heap[x + 1] as number) + (heap[x + a + 1] as number)) - (heap[x + b + 1] as number),
      );
      const s2 = Math.fround(
        Math.fround((heap[x + 2] as number) + (heap[x + a + 2] as number)) - (heap[x + b + 2] as number),
      );
      const s3 = Math.fround(
        Math.fround((heap[x + 3] as number) + (heap[x + a + 3] as number)) - (heap[x + b + 3] as number),
      );
      heap[x] = s0;
      heap[x + 1] = s1;
      heap[x + 2] = s2;
      heap[x + 3] = s3;
      heap[x + to] = Math.fround(s0 * inverse);
      heap[x + to + 1] = Math.fround(s1 * inverse);
      heap[x + to + 2] = Math.fround(s2 * inverse);
      heap[x + to + 3] = Math.fround(s3 * inverse);
    }
    // The last columns (and, harmlessly, exact ones: rounding an exact value changes nothing).
    for (; x < end; x++) {
      const s = Math.fround(
        Math.fround((heap[x] as number) + (heap[x + a] as number)) - (heap[x + b] as number),
      );
      heap[x] = s;
      heap[x + to] = Math.fround(s * inverse);
    }
  }
}

/**
 * Second row pass for eight rows laid out like rowPassEight's input, outputting only at the
 * `sampled` columns: row k's value at sampled[m] goes to narrow[out + k*width + m], width =
 * sampled.length. The sums still step through every column up to the last sample.
 */
function rowPassSampledEight(
  heap: Float64Array,
  lines: number,
  stride: number,
  full: number,
  inverses: Float64Array,
  sampled: Int32Array,
  narrow: Float32Array,
  out: number,
): void {
  const lead = leadOf(full);
  const width = sampled.length;
  const l1 = stride & INDEX;
  const l2 = (2 * stride) & INDEX;
  const l3 = (3 * stride) & INDEX;
  const l4 = (4 * stride) & INDEX;
  const l5 = (5 * stride) & INDEX;
  const l6 = (6 * stride) & INDEX;
  const l7 = (7 * stride) & INDEX;
  const f = full & INDEX;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  let s6 = 0;
  let s7 = 0;
  // Step t adds column t (at heap[lines + full + t]) and subtracts column t - full, which is at
  // heap[lines + t]: `sub` below is lines + t.
  let sub = lines & INDEX;
  for (let m = 0; m < width; m++) {
    const column = sampled[m] as number;
    // Output `column` comes right after step column + lead (adding column + lead, which is a
    // trailing zero past the end, and subtracting column + lead - full, a leading zero before
    // the start).
    const stop = (lines + column + lead + 1) & INDEX;
    for (; sub < stop; sub++) {
      const add = sub + f;
      s0 = Math.fround(Math.fround(s0 + (heap[add] as number)) - (heap[sub] as number));
      s1 = Math.fround(Math.fround(s1 + (heap[add + l1] as number)) - (heap[sub + l1] as number));
      s2 = Math.fround(Math.fround(s2 + (heap[add + l2] as number)) - (heap[sub + l2] as number));
      s3 = Math.fround(Math.fround(s3 + (heap[add + l3] as number)) - (heap[sub + l3] as number));
      s4 = Math.fround(Math.fround(s4 + (heap[add + l4] as number)) - (heap[sub + l4] as number));
      s5 = Math.fround(Math.fround(s5 + (heap[add + l5] as number)) - (heap[sub + l5] as number));
      s6 = Math.fround(Math.fround(s6 + (heap[add + l6] as number)) - (heap[sub + l6] as number));
      s7 = Math.fround(Math.fround(s7 + (heap[add + l7] as number)) - (heap[sub + l7] as number));
    }
    const inverse = inverses[column] as number;
    const o = out + m;
    narrow[o] = s0 * inverse;
    narrow[o + width] = s1 * inverse;
    narrow[o + 2 * width] = s2 * inverse;
    narrow[o + 3 * width] = s3 * inverse;
    narrow[o + 4 * width] = s4 * inverse;
    narrow[o + 5 * width] = s5 * inverse;
    narrow[o + 6 * width] = s6 * inverse;
    narrow[o + 7 * width] = s7 * inverse;
  }
}

/**
 * Second column pass over the narrow plane (rows x width, row-major), outputting only the
 * `sampled` rows into `out` (sampled.length x width). Small (width is 64), so kept simple.
 */
function columnPassSampled(
  narrow: Float32Array,
  rows: number,
  width: number,
  full: number,
  inverses: Float64Array,
  sampled: Int32Array,
  out: Float32Array,
): void {
  const lead = leadOf(full);
  const sums = new Float64Array(width);
  for (let y = 0; y < lead; y++) {
    for (let x = 0; x < width; x++)
      sums[x] = Math.fround((sums[x] as number) + (narrow[y * width + x] as number));
  }
  let next = 0;
  for (let o = 0; o < rows && next < sampled.length; o++) {
    const add = o + lead;
    const sub = add - full;
    const addBase = add * width;
    const subBase = sub * width;
    if (add < rows && sub >= 0) {
      for (let x = 0; x < width; x++) {
        sums[x] = Math.fround(
          Math.fround((sums[x] as number) + (narrow[addBase + x] as number)) -
            (narrow[subBase + x] as number),
        );
      }
    } else if (add < rows) {
      for (let x = 0; x < width; x++) {
        sums[x] = Math.fround((sums[x] as number) + (narrow[addBase + x] as number));
      }
    } else if (sub >= 0) {
      for (let x = 0; x < width; x++) {
        sums[x] = Math.fround((sums[x] as number) - (narrow[subBase + x] as number));
      }
    }
    const inverse = inverses[o] as number;
    for (; next < sampled.length && sampled[next] === o; next++) {
      const to = next * width;
      for (let x = 0; x < width; x++) out[to + x] = (sums[x] as number) * inverse;
    }
  }
}

/**
 * Reusable buffers, so hashing a stream of images allocates almost nothing per image. All the
 * per-pixel working memory is one Float64Array (see blurSampled): V8 checks an array's shape
 * and loads its length and data pointer once per loop iteration for each array accessed, so
 * kernels touching one array instead of three run measurably faster.
 */
export class BlurScratch {
  private heap = new Float64Array(0);
  private narrow = new Float32Array(0);

  /** A Float64Array of at least `size` elements with the first `size` zeroed. */
  heapOf(size: number): Float64Array {
    if (this.heap.length < size) this.heap = new Float64Array(size);
    else this.heap.fill(0, 0, size);
    return this.heap;
  }

  /** A Float32Array of at least `size` elements (contents undefined). */
  narrowOf(size: number): Float32Array {
    if (this.narrow.length < size) this.narrow = new Float32Array(size);
    return this.narrow;
  }
}

/** Whether 1/inverse is a power of two (1, 2, 4, ...): multiplying by it only shifts exponents. */
function isPowerOfTwoInverse(inverse: number): boolean {
  const count = Math.round(1 / inverse);
  return (count & (count - 1)) === 0;
}

/**
 * The two box-filter iterations (window `windowAlongRows` for the row passes, `windowAlongCols`
 * for the column passes) of a rows x cols luma image, sampled at rows `sampledRows` and
 * columns `sampledCols`: out[i * sampledCols.length + j] = blurred[sampledRows[i]][sampledCols[j]].
 * Both sample lists must be non-decreasing; windows must not exceed the dimension they run along.
 *
 * `pixelLuma` says the luma values are those of 8-bit pixels: 0 or at least 0.114f, so
 * multiples of 2^-27 (a float32 of at least 2^-4 is). Then the first passes' outputs that
 * average over a power-of-two count skip their rounding: rounding keeps multiples of 2^-27, so a
 * nonzero first-row-pass sum is at least 2^-27 and its outputs (count <= 2^20) at least 2^-47,
 * multiples of 2^-70; likewise a nonzero first-column-pass sum is at least 2^-70. Multiplying
 * such a float32 by 2^-k (k <= 20) stays far above the float32 normal minimum 2^-126, so the
 * product is exactly a float32 and Math.fround would return it unchanged. On 1000x1000 images
 * (windows of 8) that removes two of the nine roundings per pixel.
 */
export function blurSampled(
  source: LumaRowSource,
  rows: number,
  cols: number,
  windowAlongRows: number,
  windowAlongCols: number,
  sampledRows: Int32Array,
  sampledCols: Int32Array,
  scratch: BlurScratch = new BlurScratch(),
  pixelLuma = false,
): Float32Array {
  const leadAlongCols = leadOf(windowAlongCols);
  const inversesAlongRows = windowInverses(cols, windowAlongRows);
  const inversesAlongCols = windowInverses(rows, windowAlongCols);
  const width = sampledCols.length;
  // First-row-pass outputs with a full power-of-two window: a contiguous range.
  const fullInverse = 1 / windowAlongRows;
  const rowsExact = pixelLuma && isPowerOfTwoInverse(fullInverse);
  const exactFrom = rowsExact ? inversesAlongRows.indexOf(fullInverse) : 0;
  const exactTo = rowsExact ? inversesAlongRows.lastIndexOf(fullInverse) + 1 : 0;

  // The heap, zeroed:
  // - the column sums (first, so that the column pass's offsets from them are not negative);
  // - a ring of first-row-pass rows: row y in slot y % ringRows. The column pass reads rows
  //   y - windowAlongCols .. y while up to 2 * ROWS newer rows are being produced. Slot
  //   `ringRows` stays zero (the rows the reference does not add or subtract), slot
  //   `ringRows + 1` takes the rows of a partial last block that do not exist;
  // - ROWS zero-padded lines of luma, input of the first row pass, and ROWS of first-column-pass
  //   output, input of the second row pass: `windowAlongRows` zeros, the row, `lead` zeros.
  //   Only the row part is ever written, so the pads stay zero.
  const sums = 0;
  const ring = cols;
  const ringRows = windowAlongCols + 2 * ROWS;
  const rowAt = (y: number): number => ring + (y % ringRows) * cols;
  const zeroRow = ring + ringRows * cols;
  const trashRow = zeroRow + cols;
  const stride = windowAlongRows + cols + leadOf(windowAlongRows);
  const lumaLines = trashRow + cols;
  const columnLines = lumaLines + ROWS * stride;
  const heapSize = columnLines + ROWS * stride;
  if (heapSize > INDEX) throw new RangeError(`image too large to blur: ${rows}x${cols}`);
  const heap = scratch.heapOf(heapSize);
  const slot = new Int32Array(ROWS);
  const columnAdd = new Int32Array(ROWS);
  const columnSub = new Int32Array(ROWS);
  const columnInverses = new Float64Array(ROWS);
  const columnExact = new Int32Array(ROWS);

  // Second row pass results at the sampled columns, one row per image row, plus room for the
  // rows of a partial last group that do not exist.
  const narrow = scratch.narrowOf((rows + ROWS) * width);

  let produced = 0;
  let primed = 0;
  for (let emitted = 0; emitted < rows; emitted += ROWS) {
    // Output row o of the column pass adds row o + lead: produce rows up to the group's last.
    const needed = Math.min(rows, emitted + ROWS + leadAlongCols);
    while (produced < needed) {
      const count = Math.min(ROWS, rows - produced);
      source(produced, count, heap, lumaLines + windowAlongRows, stride);
      for (let k = 0; k < ROWS; k++) slot[k] = k < count ? rowAt(produced + k) : trashRow;
      rowPassEight(
        heap,
        lumaLines,
        stride,
        cols,
        windowAlongRows,
        inversesAlongRows,
        slot,
        exactFrom,
        exactTo,
      );
      produced += count;
    }
    // The column pass's phase 1: add its first `lead` rows without output.
    for (; primed < leadAlongCols; primed++) addRowToSums(heap, rowAt(primed), sums, cols);
    const count = Math.min(ROWS, rows - emitted);
    for (let k = 0; k < count; k++) {
      const o = emitted + k;
      const add = o + leadAlongCols;
      const sub = add - windowAlongCols;
      columnAdd[k] = add < rows ? rowAt(add) : zeroRow;
      columnSub[k] = sub >= 0 ? rowAt(sub) : zeroRow;
      columnInverses[k] = inversesAlongCols[o] as number;
      columnExact[k] = pixelLuma && isPowerOfTwoInverse(inversesAlongCols[o] as number) ? 1 : 0;
    }
    columnPassRows(
      heap,
      columnAdd,
      columnSub,
      columnInverses,
      columnExact,
      count,
      sums,
      columnLines + windowAlongRows,
      stride,
      cols,
    );
    // Rows past `count` in the lines hold stale values; their outputs land past the last row.
    rowPassSampledEight(
      heap,
      columnLines,
      stride,
      windowAlongRows,
      inversesAlongRows,
      sampledCols,
      narrow,
      emitted * width,
    );
  }

  const result = new Float32Array(sampledRows.length * width);
  columnPassSampled(narrow, rows, width, windowAlongCols, inversesAlongCols, sampledRows, result);
  return result;
}

/**
 * Blur and decimate luma rows (from `source`) to 64x64, as the reference does. `pixelLuma`: see
 * blurSampled.
 */
export function blurAndDecimateRows(
  source: LumaRowSource,
  rows: number,
  cols: number,
  scratch?: BlurScratch,
  pixelLuma = false,
): Float32Array {
  return blurSampled(
    source,
    rows,
    cols,
    jaroszWindowSize(cols),
    jaroszWindowSize(rows),
    decimationIndices(rows),
    decimationIndices(cols),
    scratch,
    pixelLuma,
  );
}

/** A LumaRowSource over a whole float32 luma plane (rows x cols, row-major). */
export function planeRowSource(luma: Float32Array, cols: number): LumaRowSource {
  return (firstRow, count, out, base, stride) => {
    for (let k = 0; k < count; k++) {
      const from = (firstRow + k) * cols;
      const to = base + k * stride;
      for (let x = 0; x < cols; x++) out[to + x] = luma[from + x] as number;
    }
  };
}

/** Blur and decimate a whole float32 luma plane (rows x cols, row-major). */
export function blurAndDecimate(
  luma: Float32Array,
  rows: number,
  cols: number,
  scratch?: BlurScratch,
): Float32Array {
  return blurAndDecimateRows(planeRowSource(luma, cols), rows, cols, scratch);
}
