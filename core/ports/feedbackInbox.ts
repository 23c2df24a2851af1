/** One piece of feedback a user gave on a deployed product. */
export interface FeedbackEntry {
  text: string;
  /** 1 to 5. */
  rating?: number;
  user?: string;
  /** ISO 8601. */
  at?: string;
}

/**
 * Where feedback on a run's deployed product waits for the next Production to Optimization phase (`factory
 * feedback RUN_ID --file F` puts it there): artifacts of the run under `feedback/inbox/`, in Blob Storage in
 * Azure (`agents/blueprint/operations/feedbackInbox.ts`).
 */
export interface FeedbackInbox {
  /** Every entry given for the run so far, oldest first; none when nothing was given. */
  read(tenantId: string, runId: string): Promise<FeedbackEntry[]>;
}
