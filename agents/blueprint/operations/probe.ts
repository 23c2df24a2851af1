import { readFileSync } from 'node:fs';
import type { LoadMeasurement } from '../../../toolchain/testing/loadMeasurement';

export interface ProbeTarget {
  service: string;
  url: string;
  paths: string[];
  pid?: number;
  /** The Authorization header the probe sends (the operations need a token). */
  authorization?: string;
}

export interface ProbeResult extends LoadMeasurement {
  service: string;
  resources?: { rssBytes: number; cpuMs: number; cpuPercent: number };
  resourcesNote?: string;
}

export const defaultProbe = { maxRequests: 400, durationMs: 3000, concurrency: 4 };

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] * 10) / 10;
}

/** CPU time (user + system, ms) and resident memory of a process, from /proc (Linux only). */
function usage(pid: number): { cpuMs: number; rssBytes: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    // USER_HZ is 100 on Linux.
    return { cpuMs: ticks * 10, rssBytes: rss ? Number(rss[1]) * 1024 : 0 };
  } catch {
    return undefined;
  }
}

/**
 * A bounded probe load against a live service: read-only GETs over its paths, at most `maxRequests` or
 * `durationMs`, whichever comes first; errors are 5xx answers and failed connections.
 */
export async function probe(target: ProbeTarget, limits = defaultProbe): Promise<ProbeResult> {
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let errors = 0;
  let sent = 0;
  const before = target.pid ? usage(target.pid) : undefined;
  const started = Date.now();
  const worker = async () => {
    while (sent < limits.maxRequests && Date.now() - started < limits.durationMs) {
      const path = target.paths[sent++ % target.paths.length];
      const t = performance.now();
      const get = async () => {
        const response = await fetch(`${target.url}${path}`, {
          signal: AbortSignal.timeout(2000),
          headers: target.authorization ? { authorization: target.authorization } : {},
        });
        await response.arrayBuffer();
        return response.status;
      };
      try {
        // A GET that fails to connect is tried once more, as browsers do when a kept-alive connection closes
        // just as it is reused; a second failure counts.
        const status = await get().catch(() => {
          statusCounts.retried = (statusCounts.retried ?? 0) + 1;
          return get();
        });
        statusCounts[status] = (statusCounts[status] ?? 0) + 1;
        if (status >= 500) errors++;
      } catch {
        statusCounts.error = (statusCounts.error ?? 0) + 1;
        errors++;
      }
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: limits.concurrency }, worker));
  const durationMs = Date.now() - started;
  const after = target.pid ? usage(target.pid) : undefined;
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    service: target.service,
    requests: latencies.length,
    durationMs,
    throughputRps: Math.round((latencies.length / Math.max(durationMs, 1)) * 1000),
    errors,
    errorRate: latencies.length ? Math.round((errors / latencies.length) * 10000) / 10000 : 0,
    latencyMs: {
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: percentile(sorted, 100),
    },
    statusCounts,
    ...(before && after
      ? {
          resources: {
            rssBytes: after.rssBytes,
            cpuMs: after.cpuMs - before.cpuMs,
            cpuPercent: Math.round(((after.cpuMs - before.cpuMs) / Math.max(durationMs, 1)) * 1000) / 10,
          },
        }
      : {
          resourcesNote: target.pid
            ? 'process statistics are unavailable on this platform'
            : 'the target does not expose process statistics (use Application Insights in Azure)',
        }),
  };
}
