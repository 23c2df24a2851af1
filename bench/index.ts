// `npm run bench`: every benchmark, one after another, with the machine they ran on.
import { cpus, totalmem } from 'node:os';
import { benchDurableHost } from './durableHost';
import { benchRun } from './run';

async function main(): Promise<void> {
  process.stdout.write(
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}\n\n`,
  );
  process.stdout.write('embedded durable host\n');
  process.stdout.write(`${JSON.stringify(await benchDurableHost(), null, 2)}\n\n`);
  process.stdout.write('one full run of the sample vision (blueprint, embedded adapters)\n');
  process.stdout.write(`${JSON.stringify(await benchRun(), null, 2)}\n`);
}

void main();
