import { setupTempRoot } from './tempRoot';

export default function globalSetup(): void {
  setupTempRoot();
}
