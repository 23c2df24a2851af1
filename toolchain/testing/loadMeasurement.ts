import { z } from 'zod';

/** What a bounded load against a service measured; the load test and the production probe report it alike. */
export const loadMeasurementSchema = z.object({
  requests: z.number(),
  durationMs: z.number(),
  throughputRps: z.number(),
  errors: z.number(),
  errorRate: z.number(),
  latencyMs: z.object({ p50: z.number(), p95: z.number(), p99: z.number(), max: z.number() }),
  statusCounts: z.record(z.string(), z.number()),
});
export type LoadMeasurement = z.infer<typeof loadMeasurementSchema>;
