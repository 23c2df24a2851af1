import { teardownTempRoot } from './tempRoot';

export default function globalTeardown(): void {
  teardownTempRoot();
}
