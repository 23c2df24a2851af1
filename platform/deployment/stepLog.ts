import type { DeploymentStep } from '../../core/ports/deploymentTarget';

/** The steps of one deployment or rollback as its outcome reports them: when each started, how long it took. */
export class StepLog {
  readonly steps: DeploymentStep[] = [];

  /** Runs one step; a step that throws is recorded as failed and its error passes on. */
  async run<T>(name: string, work: () => Promise<{ value: T; detail: string; ok?: boolean }>): Promise<T> {
    const startedAt = new Date();
    try {
      const { value, detail, ok } = await work();
      this.ended(name, startedAt, ok ?? true, detail);
      return value;
    } catch (error) {
      this.ended(name, startedAt, false, (error as Error).message);
      throw error;
    }
  }

  /** Records a step that began at `startedAt` and has just ended. */
  ended(name: string, startedAt: Date, ok: boolean, detail: string): void {
    this.steps.push({
      name,
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      ok,
      detail,
    });
  }
}
