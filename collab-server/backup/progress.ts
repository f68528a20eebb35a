/**
 * Progress of a long copy, on stderr (stdout stays free for results): rewritten in place on a
 * terminal, otherwise one line every few seconds, so logs of scheduled jobs stay short.
 */
export class Progress {
  private lastShown = Number.NEGATIVE_INFINITY;
  private readonly started = performance.now();
  private readonly interactive: boolean;

  constructor(
    private readonly label: string,
    private readonly output: NodeJS.WriteStream = process.stderr,
    private readonly everyMs = output.isTTY ? 200 : 2000,
  ) {
    this.interactive = Boolean(output.isTTY);
  }

  /** Shows `documents` of `total` and `bytes`, unless it was shown very recently. */
  update(documents: number, total: number | null, bytes: number): void {
    const now = performance.now();
    if (now - this.lastShown < this.everyMs) return;
    this.lastShown = now;
    this.write(this.line(documents, total, bytes), false);
  }

  /** Shows the final line. */
  finish(message: string): void {
    this.write(`${this.label}: ${message}`, true);
  }

  private line(documents: number, total: number | null, bytes: number): string {
    const seconds = (performance.now() - this.started) / 1000;
    const rate = seconds > 0 ? ` (${formatBytes(bytes / seconds)}/s)` : '';
    return `${this.label}: ${documents}${total === null ? '' : `/${total}`} documents, ${formatBytes(bytes)}${rate}`;
  }

  private write(text: string, last: boolean): void {
    if (this.interactive) this.output.write(`\r\u001b[2K${text}${last ? '\n' : ''}`);
    else this.output.write(`${text}\n`);
  }
}

/** `bytes` in B, KiB, MiB or GiB with one decimal. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}
