import type TS from 'typescript';
import { lazyModule } from './lazyModule';

/** The TypeScript compiler, loaded when code is first compiled or read: most activities never need it. */
export const ts = lazyModule<typeof TS>(() => require('typescript'));
