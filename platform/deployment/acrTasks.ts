import type { ContainerRegistryManagementClient, Run } from '@azure/arm-containerregistry';
import { BlockBlobClient } from '@azure/storage-blob';

/**
 * ACR Tasks, the registry's own image builder: upload a build context, schedule a Docker build, wait for the run.
 * `@azure/arm-containerregistry` 10.1 is the last major with the Tasks operations (API version
 * 2019-06-01-preview); later majors cover registries only (docs/adr/0053-products-on-container-apps.md).
 */
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
    private readonly client: ContainerRegistryManagementClient,
    private readonly resourceGroup: string,
    private readonly registryName: string,
    private readonly pollIntervalMs: number,
  ) {}

  /** Uploads a gzip-compressed tar build context to the registry's build-source storage. */
  async upload(context: Buffer): Promise<SourceUpload> {
    const upload = await this.client.registries.getBuildSourceUploadUrl(
      this.resourceGroup,
      this.registryName,
    );
    if (!upload.uploadUrl || !upload.relativePath)
      throw new Error('the registry returned no build-source upload URL');
    await new BlockBlobClient(upload.uploadUrl).uploadData(context);
    return { uploadUrl: upload.uploadUrl, relativePath: upload.relativePath };
  }

  /** Schedules a Docker build and waits until the run ends, whichever way; never gives up before `deadline`. */
  async build(build: DockerBuild, deadline: number): Promise<AcrRun> {
    const scheduled = await this.client.registries.beginScheduleRunAndWait(
      this.resourceGroup,
      this.registryName,
      {
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
      },
      { updateIntervalInMs: this.pollIntervalMs },
    );
    let run = toRun(scheduled);
    while (!finished.has(run.status)) {
      if (Date.now() > deadline) return { ...run, status: `${run.status} at the deadline` };
      await sleep(this.pollIntervalMs);
      run = toRun(await this.client.runs.get(this.resourceGroup, this.registryName, run.runId));
    }
    return run;
  }
}

function toRun(resource: Run): AcrRun {
  if (!resource.runId) throw new Error('the registry answered a run without a runId');
  return { runId: resource.runId, status: resource.status ?? 'Unknown', id: resource.id };
}
