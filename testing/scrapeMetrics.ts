/**
 * Reads a Prometheus text page (`GET /metrics`) into a map from series (`name` or
 * `name{label="value",…}`, exactly as printed) to value, for tests that check counters.
 */
export async function scrapeMetrics(httpUrl: string): Promise<Map<string, number>> {
  const response = await fetch(`${httpUrl}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  const series = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    series.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return series;
}

/** The value of `series` in `metrics`; throws when it is missing, so a renamed metric fails loudly. */
export function metric(metrics: Map<string, number>, series: string): number {
  const value = metrics.get(series);
  if (value === undefined)
    throw new Error(
      `no series ${series} in /metrics (have: ${[...metrics.keys()].filter((key) => key.startsWith(series.split('{')[0])).join(', ') || 'none of that name'})`,
    );
  return value;
}
