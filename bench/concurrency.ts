// Concurrent runs: N runs started at once on one embedded host, for N = 1, 4, 16 by default; wall time of the
// batch, runs per minute, and each run's own duration. Run with `node dist/bench/concurrency.js [1,4,16]`.
import { openBenchFactory, projectRoot } from './benchFactory';

const visions = [
  'neighbourhood-tool-library',
  'clinic-appointments',
  'food-bank-donations',
  'community-garden-plots',
];

export interface ConcurrencyFigure {
  runs: number;
  wallMs: number;
  runsPerMinute: number;
  /** Median and slowest run, created to finished. */
  medianRunMs: number;
  slowestRunMs: number;
}

export async function benchConcurrency(levels = [1, 4, 16]): Promise<ConcurrencyFigure[]> {
  const figures: ConcurrencyFigure[] = [];
  for (const runs of levels) {
    const bench = await openBenchFactory(projectRoot, `concurrency-${runs}`);
    try {
      const started = Date.now();
      const ids = await Promise.all(
        Array.from({ length: runs }, (_, i) => bench.start(visions[i % visions.length], `c${runs}-${i}`)),
      );
      await bench.complete(ids);
      const wallMs = Date.now() - started;
      const durations = ids
        .map((id) => bench.session.factory.runStatus(bench.session.tenantId, id)!)
        .map((s) => Date.parse(s.lastUpdatedTime) - Date.parse(s.createdTime))
        .sort((a, b) => a - b);
      figures.push({
        runs,
        wallMs,
        runsPerMinute: Number(((runs * 60000) / wallMs).toFixed(2)),
        medianRunMs: durations[Math.floor(durations.length / 2)],
        slowestRunMs: durations[durations.length - 1],
      });
    } finally {
      await bench.close();
    }
  }
  return figures;
}

if (require.main === module)
  benchConcurrency(process.argv[2] ? process.argv[2].split(',').map(Number) : undefined)
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    });
