// The module `@azure/functions-core` resolves to outside the Functions worker (see functionsCore.ts).
import { coreApi } from './functionsCore';

export = coreApi;
