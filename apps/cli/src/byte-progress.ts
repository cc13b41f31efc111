/**
 * A one-line progress readout for reading one large file (bytes of a known total), on an
 * interactive terminal only: redirected output and CI logs stay clean.
 */
export class ByteProgress {
  private lastDraw = 0;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly totalBytes: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  /** Worth drawing: a terminal, not CI, and a file big enough to take a noticeable time. */
  static shouldShow(totalBytes: number, stream: NodeJS.WriteStream = process.stderr): boolean {
    return totalBytes >= 4 * 1024 * 1024 && stream.isTTY === true && !process.env.CI;
  }

  update(bytes: number, lines: number): void {
    const now = Date.now();
    if (now - this.lastDraw < 100 && bytes < this.totalBytes) return;
    this.lastDraw = now;
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const share = this.totalBytes > 0 ? Math.min(bytes / this.totalBytes, 1) : 1;
    const rate = lines / seconds;
    const eta = share > 0 ? Math.ceil(seconds / share - seconds) : 0;
    const width = 24;
    const filled = Math.round(share * width);
    const line =
      `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0)}% ` +
      `${mib(bytes)}/${mib(this.totalBytes)} MiB, ${lines.toLocaleString('en')} lines, ` +
      `${Math.round(rate).toLocaleString('en')} lines/s, ETA ${eta}s`;
    this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 100) - 1)}`);
  }

  finish(): void {
    this.stream.write('\r\u001b[2K');
  }
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
