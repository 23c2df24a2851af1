import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { readTarGz } from '../../platform/deployment/tarball';

export interface DockerfileStep {
  stage: number;
  keyword: string;
  args: string;
}

/** The instructions of a Dockerfile, each with the index of its build stage. */
export function dockerfileSteps(dockerfile: string): DockerfileStep[] {
  let stage = -1;
  return dockerfile
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(' ');
      if (keyword === 'FROM') stage++;
      return { stage, keyword, args: rest.join(' ') };
    });
}

export interface BuiltImage {
  /** The last stage's working directory: what the image holds. */
  appDir: string;
  command: string[];
  env: Record<string, string>;
}

/**
 * Runs a Dockerfile's steps on this machine, each stage in a folder under `root`, with the build context in
 * `context`: COPY by Docker's rules, RUN through sh, `npm install` replaced by a link to `packages` (no registry
 * here), ENV and ARG into the environment. Enough for the release package's Dockerfile, which uses nothing else.
 */
export function runDockerfile(
  dockerfile: string,
  context: string,
  buildArgs: Record<string, string>,
  root: string,
  packages: string,
): BuiltImage {
  const steps = dockerfileSteps(dockerfile);
  const stages = [...new Set(steps.map((s) => s.stage))].map((stage) => join(root, `stage-${stage}`));
  const env: Record<string, string> = { ...buildArgs };
  let command: string[] = [];
  const imageEnv: Record<string, string> = {};
  let workdir = '';
  for (const step of steps) {
    const cwd = stages[step.stage];
    const expand = (text: string) => text.replace(/\$\{?(\w+)\}?/g, (_, name: string) => env[name] ?? '');
    if (step.keyword === 'FROM' || step.keyword === 'ARG' || step.keyword === 'WORKDIR') {
      mkdirSync(cwd, { recursive: true });
      if (step.keyword === 'WORKDIR') workdir = step.args;
    } else if (step.keyword === 'ENV')
      for (const pair of step.args.split(' ')) {
        const [name, raw] = [pair.split('=')[0], pair.split('=').slice(1).join('=')];
        // A path in the image's working directory is in the stage's folder here.
        const inWorkdir = workdir && (raw === workdir || raw.startsWith(`${workdir}/`));
        const value = inWorkdir ? cwd + raw.slice(workdir.length) : raw;
        env[name] = value;
        if (step.stage === stages.length - 1) imageEnv[name] = value;
      }
    else if (step.keyword === 'COPY') {
      const from = /^--from=build /.test(step.args);
      const parts = expand(step.args.replace(/^--from=build /, '')).split(' ');
      const destination = parts.pop()!;
      // Docker's rules: a folder's content goes into the destination; a file goes into it when it ends in /.
      for (const source of parts) {
        const path = from ? join(stages[0], source.replace(/^\/build\/?/, '')) : join(context, source);
        const intoFolder = statSync(path).isDirectory() || /\/$|^\.$/.test(destination);
        const target =
          intoFolder && !statSync(path).isDirectory()
            ? join(resolve(cwd, destination), basename(path))
            : resolve(cwd, destination);
        cpSync(path, target, { recursive: true });
      }
    } else if (step.keyword === 'RUN') {
      if (step.args.startsWith('npm install')) symlinkSync(packages, join(cwd, 'node_modules'));
      else execFileSync('sh', ['-c', step.args], { cwd, env: { ...process.env, ...env }, stdio: 'pipe' });
    } else if (step.keyword === 'CMD') command = JSON.parse(step.args) as string[];
  }
  return { appDir: stages[stages.length - 1], command, env: imageEnv };
}

/** Starts a built image's command with PORT=0 on loopback; resolves with its origin once it says it listens. */
export async function startImage(
  image: BuiltImage,
  env: Record<string, string> = {},
): Promise<{ origin: string; process: ChildProcess }> {
  const [program, ...args] = image.command;
  const child = spawn(program === 'node' ? process.execPath : program, args, {
    cwd: image.appDir,
    env: { PATH: process.env.PATH ?? '', ...image.env, ...env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((done, fail) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const found = /listening on port (\d+)/.exec(seen);
      if (found) done(Number(found[1]));
    });
    child.once('exit', (code) => fail(new Error(`the container exited with ${code}`)));
  });
  return { origin: `http://127.0.0.1:${port}`, process: child };
}

/**
 * A registry and container runtime on this machine for the fake Resource Manager: `build` runs the Dockerfile of
 * an uploaded build context (a tar.gz), `serve` starts a revision's container on first use and gives its origin.
 */
export class LocalImages {
  private readonly root = mkdtempSync(join(tmpdir(), 'local-images-'));
  private readonly images = new Map<string, BuiltImage>();
  private readonly running = new Map<string, Promise<{ origin: string; process: ChildProcess }>>();

  /** `platformEnv`: what the platform sets in every container besides its template's env (the identity endpoint). */
  constructor(
    private readonly packages: string,
    private readonly platformEnv: Record<string, string> = {},
  ) {}

  build(imageName: string, context: Buffer, dockerfilePath: string, buildArgs: Record<string, string>): void {
    const folder = join(this.root, imageName.replace(/[^\w.-]/g, '_'));
    rmSync(folder, { recursive: true, force: true });
    const contextDir = join(folder, 'context');
    for (const entry of readTarGz(context)) {
      mkdirSync(dirname(join(contextDir, entry.path)), { recursive: true });
      writeFileSync(join(contextDir, entry.path), entry.content);
    }
    const dockerfile = readFileSync(join(contextDir, dockerfilePath), 'utf8');
    this.images.set(imageName, runDockerfile(dockerfile, contextDir, buildArgs, folder, this.packages));
  }

  /** The origin of a revision's container running `imageName`, started on first use. */
  serve(revision: string, imageName: string, env: Record<string, string>): Promise<string> {
    const image = this.images.get(imageName);
    if (!image) return Promise.reject(new Error(`no image ${imageName} was built`));
    let started = this.running.get(revision);
    if (!started) {
      started = startImage(image, { ...env, ...this.platformEnv });
      this.running.set(revision, started);
    }
    return started.then((s) => s.origin);
  }

  /** Stops a revision's container (deactivated revisions run none). */
  async stop(revision: string): Promise<void> {
    const started = this.running.get(revision);
    this.running.delete(revision);
    if (started) (await started.catch(() => undefined))?.process.kill('SIGTERM');
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.keys()].map((revision) => this.stop(revision)));
    rmSync(this.root, { recursive: true, force: true });
  }
}
