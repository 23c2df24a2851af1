import { z } from 'zod';

/** Marks recorded exchanges in stdout, apart from the test reporter's lines and whatever the service prints. */
export const exchangeMarker = '@@factory-exchange ';

/** The header a driver sets to tie an exchange to the generated request that caused it. */
export const stepHeader = 'x-contract-step';

/** One request a service answered and its response, as the service's own HTTP server saw them. */
export const exchangeSchema = z.object({
  method: z.string(),
  /** Path and query, as sent. */
  target: z.string(),
  requestContentType: z.string().optional(),
  requestBody: z.string(),
  /** False when the body was cut at the recorder's limit or the service did not read it to the end. */
  requestBodyComplete: z.boolean(),
  status: z.number().int(),
  responseContentType: z.string().optional(),
  responseBody: z.string(),
  responseBodyComplete: z.boolean(),
  /** The index of the generated request, when a driver sent it; absent for the acceptance tests' requests. */
  step: z.number().int().optional(),
});

export type Exchange = z.infer<typeof exchangeSchema>;

/** The exchanges recorded in a sandbox's stdout; lines that do not parse as an exchange are ignored. */
export function parseExchanges(stdout: string): Exchange[] {
  const out: Exchange[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(exchangeMarker)) continue;
    try {
      const parsed = exchangeSchema.safeParse(JSON.parse(line.slice(exchangeMarker.length)));
      if (parsed.success) out.push(parsed.data);
    } catch {
      // A line cut by the output limit: the exchange is lost, and the count of checked responses says so.
    }
  }
  return out;
}
