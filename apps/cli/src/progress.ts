/**
 * A one-line progress bar on an interactive terminal (stderr). Never drawn on a pipe or in CI,
 * so redirected output stays clean.
 */
export class ProgressBar {
  private done = 0;
  private failed = 0;
  private lastDraw = 0;
  private readonly started = Date.now();

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  static shouldShow(total: number, stream: NodeJS.WriteStream = process.stderr): boolean {
    return total > 1 && stream.isTTY === true && !process.env.CI;
  }

  tick(failed: boolean): void {
    this.done++;
    if (failed) this.failed++;
    const now = Date.now();
    if (now - this.lastDraw >= 100 || this.done === this.total) {
      this.lastDraw = now;
      this.draw(now);
    }
  }

  private draw(now: number): void {
    const width = 24;
    const filled = Math.round((this.done / this.total) * width);
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const rate = this.done / seconds;
    const eta = rate > 0 ? Math.ceil((this.total - this.done) / rate) : 0;
    const line =
      `hashing ${this.done}/${this.total} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` +
      `${rate.toFixed(1)} files/s, ${this.failed} failed, ETA ${eta}s`;
    this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 100) - 1)}`);
  }

  finish(): void {
    this.stream.write('\r\u001b[2K');
  }
}
