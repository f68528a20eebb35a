/** Small numeric helpers for the benchmark: percentiles and readable units. */

/** The `p`-th percentile (0–100) of `values`, nearest-rank; NaN when empty. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** The median of `values`. */
export function median(values: ArrayLike<number>): number {
  return percentile(values, 50);
}

/** Collects samples without growing a JS array of boxed numbers for hundreds of thousands of them. */
export class Samples {
  private data = new Float64Array(1024);
  length = 0;

  add(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }
}

/** Milliseconds with a sensible number of digits. */
export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (value >= 100) return `${Math.round(value)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

/** Bytes as B, KB, MB (powers of 1000, as memory tools report them). */
export function bytes(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (Math.abs(value) >= 1e9) return `${(value / 1e9).toFixed(2)} GB`;
  if (Math.abs(value) >= 1e6) return `${(value / 1e6).toFixed(2)} MB`;
  if (Math.abs(value) >= 1e3) return `${(value / 1e3).toFixed(1)} KB`;
  return `${Math.round(value)} B`;
}

/** A ratio as `1.23×`, or `–`. */
export function ratio(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${value.toFixed(2)}×`;
}

/** Resolves after `milliseconds`. */
export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
