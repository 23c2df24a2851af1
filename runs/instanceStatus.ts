/** A durable client's status query, as df.DurableClient and the run operations' RunsClient have it. */
interface StatusClient<O, S> {
  getStatus(instanceId: string, options?: O): Promise<S>;
}

/** The durable status of an instance, or undefined when the durable store has no such instance. */
export async function instanceStatus<O, S>(
  client: StatusClient<O, S>,
  instanceId: string,
  options?: O,
): Promise<NonNullable<S> | undefined> {
  try {
    return (await client.getStatus(instanceId, options)) ?? undefined;
  } catch (error) {
    // The durable client reports a missing instance as an error mentioning the extension's 404.
    if (/HTTP 404/.test((error as Error).message)) return undefined;
    throw error;
  }
}
