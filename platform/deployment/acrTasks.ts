import type { ResourceManagementClient } from '@azure/arm-resources';
import { createPipelineRequest, type HttpMethods } from '@azure/core-rest-pipeline';
import { BlockBlobClient } from '@azure/storage-blob';

/**
 * ACR Tasks, the registry's own image builder: upload a build context, schedule a Docker build, wait for the run.
 * `@azure/arm-containerregistry` 12 covers registries but no longer the Tasks operations, so these three calls go
 * through the Resource Manager client's pipeline (its bearer token, retries and endpoint) with the documented
 * request and response shapes of API version 2019-06-01-preview (docs/adr/0053-products-on-container-apps.md).
 */
export const acrTasksApiVersion = '2019-06-01-preview';

export interface SourceUpload {
  uploadUrl: string;
  relativePath: string;
}

export interface DockerBuild {
  /** `repository:tag`, in the registry the run belongs to. */
  imageName: string;
  /** Where the uploaded build context is (`relativePath` of the upload). */
  sourceLocation: string;
  dockerFilePath: string;
  buildArguments: Record<string, string>;
  timeoutSeconds: number;
}

export interface AcrRun {
  runId: string;
  status: string;
  /** The run's ARM id, for the report. */
  id?: string;
}

const finished = new Set(['Succeeded', 'Failed', 'Canceled', 'Error', 'Timeout']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class AcrTasks {
  constructor(
    private readonly arm: ResourceManagementClient,
    private readonly endpoint: string,
    private readonly registryId: string,
    private readonly pollIntervalMs: number,
  ) {}

  private async call<T>(method: HttpMethods, suffix: string, body?: unknown): Promise<T> {
    const request = createPipelineRequest({
      url: `${this.endpoint}${this.registryId}${suffix}?api-version=${acrTasksApiVersion}`,
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    request.headers.set('content-type', 'application/json');
    const response = await this.arm.sendRequest(request);
    const text = response.bodyAsText ?? '';
    if (response.status >= 300) {
      const error = (text ? (JSON.parse(text) as { error?: { code?: string; message?: string } }) : {}).error;
      throw new Error(
        `ACR Tasks ${method} ${suffix} answered ${response.status}: ${error?.code ?? ''} ${error?.message ?? text.slice(0, 300)}`.trim(),
      );
    }
    return JSON.parse(text) as T;
  }

  /** Uploads a gzip-compressed tar build context to the registry's build-source storage. */
  async upload(context: Buffer): Promise<SourceUpload> {
    const upload = await this.call<Partial<SourceUpload>>('POST', '/listBuildSourceUploadUrl');
    if (!upload.uploadUrl || !upload.relativePath)
      throw new Error('the registry returned no build-source upload URL');
    await new BlockBlobClient(upload.uploadUrl).uploadData(context);
    return { uploadUrl: upload.uploadUrl, relativePath: upload.relativePath };
  }

  /** Schedules a Docker build and waits until the run ends, whichever way; never gives up before `deadline`. */
  async build(build: DockerBuild, deadline: number): Promise<AcrRun> {
    const scheduled = await this.call<RunResource>('POST', '/scheduleRun', {
      type: 'DockerBuildRequest',
      imageNames: [build.imageName],
      isPushEnabled: true,
      noCache: false,
      dockerFilePath: build.dockerFilePath,
      arguments: Object.entries(build.buildArguments).map(([name, value]) => ({
        name,
        value,
        isSecret: false,
      })),
      platform: { os: 'Linux', architecture: 'amd64' },
      sourceLocation: build.sourceLocation,
      timeout: build.timeoutSeconds,
    });
    let run = toRun(scheduled);
    while (!finished.has(run.status)) {
      if (Date.now() > deadline) return { ...run, status: `${run.status} at the deadline` };
      await sleep(this.pollIntervalMs);
      run = toRun(await this.call<RunResource>('GET', `/runs/${encodeURIComponent(run.runId)}`));
    }
    return run;
  }
}

interface RunResource {
  id?: string;
  properties?: { runId?: string; status?: string };
}

function toRun(resource: RunResource): AcrRun {
  const runId = resource.properties?.runId;
  if (!runId) throw new Error('the registry answered a run without a runId');
  return { runId, status: resource.properties?.status ?? 'Unknown', id: resource.id };
}
