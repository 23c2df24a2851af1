import * as msal from '@azure/msal-browser';
import type { MsalLibrary } from '../src/signIn';

// Compiled with the kit (`npm run build`): fails when the part of MSAL.js that signIn.ts declares no longer
// matches the library the release package ships.
export const library: MsalLibrary = msal;
