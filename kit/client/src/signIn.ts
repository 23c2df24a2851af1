/**
 * How the product's clients sign in. The page asks its own origin for `sign-in.json`, which the product's gateway
 * serves from its settings:
 * - `entra`: Microsoft Entra ID through MSAL.js, the authorization code flow with PKCE by redirect, as a
 *   single-page application registered with the page's address; tokens are renewed with MSAL's refresh token.
 * - `token` (the factory's local deployment, or no gateway at all): a bearer token handed over once in the URL
 *   fragment (`#access_token=...`, which the browser never sends to a server), kept for the tab's session only.
 */
export type SignInSettings =
  { method: 'token' } | { method: 'entra'; clientId: string; authority: string; scopes: string[] };

/** Who is signed in, and the Authorization header each API call carries. */
export interface Session {
  /** `Bearer <token>` for the next call, or undefined when there is none (the services then ask for one). */
  authorization(): Promise<string | undefined>;
  /** The signed-in person's name, when the identity provider says it. */
  name?: string;
  signOut?(): Promise<void>;
}

/**
 * The part of MSAL.js (the `msal` global of `vendor/msal-browser.min.js`) this module uses. The factory's tests
 * check it against the library's own declarations.
 */
export interface MsalLibrary {
  PublicClientApplication: new (configuration: {
    auth: { clientId: string; authority: string; redirectUri: string; knownAuthorities: string[] };
    cache: { cacheLocation: string };
  }) => MsalApplication;
  /** MSAL's lookup policies; `AccessTokenAndRefreshToken` never opens a hidden frame at the identity provider. */
  CacheLookupPolicy: { AccessTokenAndRefreshToken: 2 };
  /** What MSAL throws when only the person can go on (signed out, refresh token expired, consent needed). */
  InteractionRequiredAuthError: abstract new (...args: never[]) => Error;
}

/** A signed-in account, as MSAL keeps it and asks for it back. */
export interface MsalAccount {
  homeAccountId: string;
  environment: string;
  tenantId: string;
  localAccountId: string;
  username: string;
  name?: string;
}

export interface MsalApplication {
  initialize(): Promise<void>;
  handleRedirectPromise(): Promise<{ account: MsalAccount | null } | null>;
  getAllAccounts(): MsalAccount[];
  loginRedirect(request: { scopes: string[] }): Promise<void>;
  acquireTokenSilent(request: {
    scopes: string[];
    account: MsalAccount;
    cacheLookupPolicy: 2;
  }): Promise<{ accessToken: string }>;
  acquireTokenRedirect(request: { scopes: string[]; account: MsalAccount }): Promise<void>;
  logoutRedirect(request: { account: MsalAccount }): Promise<void>;
}

/** The settings the gateway serves; none (no gateway, or an older one) means a handed-over token. */
export async function signInSettings(): Promise<SignInSettings> {
  let response: Response;
  try {
    response = await fetch(new URL('sign-in.json', document.baseURI), {
      headers: { accept: 'application/json' },
    });
  } catch {
    return { method: 'token' };
  }
  if (response.status === 404) return { method: 'token' };
  if (!response.ok) throw new Error(`the sign-in settings could not be read (HTTP ${response.status})`);
  const settings = (await response.json()) as Partial<SignInSettings>;
  if (settings.method === 'token') return { method: 'token' };
  if (
    settings.method === 'entra' &&
    typeof settings.clientId === 'string' &&
    typeof settings.authority === 'string' &&
    settings.authority.startsWith('https://') &&
    Array.isArray(settings.scopes) &&
    settings.scopes.every((scope) => typeof scope === 'string')
  )
    return {
      method: 'entra',
      clientId: settings.clientId,
      authority: settings.authority,
      scopes: settings.scopes,
    };
  throw new Error('the sign-in settings name no method this app knows');
}

/** The token handed over in the fragment, kept for the tab's session. */
function handedOverToken(): Session {
  const handed = /(?:^#|&)access_token=([^&]+)/.exec(window.location.hash);
  if (handed) {
    try {
      sessionStorage.setItem('access_token', decodeURIComponent(handed[1]));
    } catch {
      // A token that is not valid percent-encoding is not kept; the services will ask for one.
    }
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  const token = sessionStorage.getItem('access_token');
  return { authorization: async () => (token ? `Bearer ${token}` : undefined) };
}

/** MSAL.js, loaded from the app's own origin only when the product signs in with Entra ID. */
function loadMsal(): Promise<MsalLibrary> {
  const loaded = (window as unknown as { msal?: MsalLibrary }).msal;
  if (loaded) return Promise.resolve(loaded);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = new URL('vendor/msal-browser.min.js', document.baseURI).href;
    script.onload = () => {
      const msal = (window as unknown as { msal?: MsalLibrary }).msal;
      if (msal) resolve(msal);
      else reject(new Error('vendor/msal-browser.min.js did not define msal'));
    };
    script.onerror = () =>
      reject(new Error('the sign-in library (vendor/msal-browser.min.js) could not be loaded'));
    document.head.append(script);
  });
}

/** Entra ID: back from the sign-in page, or there to sign in (undefined: the page is leaving). */
async function entraSession(
  settings: Extract<SignInSettings, { method: 'entra' }>,
): Promise<Session | undefined> {
  const msal = await loadMsal();
  const app = new msal.PublicClientApplication({
    auth: {
      clientId: settings.clientId,
      authority: settings.authority,
      // The app's folder (`/` for the web app, `/app/` for the PWA, however the page was opened): both are
      // registered as redirect URIs.
      redirectUri: window.location.origin + window.location.pathname.replace(/[^/]*$/, ''),
      // The authority is the tenant's own: no instance discovery call before signing in.
      knownAuthorities: [new URL(settings.authority).host],
    },
    // The tab's session only, like a handed-over token; closing the tab signs out of the app.
    cache: { cacheLocation: 'sessionStorage' },
  });
  await app.initialize();
  const back = await app.handleRedirectPromise();
  const account = back?.account ?? app.getAllAccounts()[0];
  if (!account) {
    await app.loginRedirect({ scopes: settings.scopes });
    return undefined;
  }
  let last: string | undefined;
  return {
    name: account.name ?? account.username,
    async authorization() {
      try {
        const result = await app.acquireTokenSilent({
          scopes: settings.scopes,
          account,
          cacheLookupPolicy: msal.CacheLookupPolicy.AccessTokenAndRefreshToken,
        });
        return (last = `Bearer ${result.accessToken}`);
      } catch (error) {
        // The refresh token is gone or refused (expired, revoked, consent needed): sign in again.
        if (error instanceof msal.InteractionRequiredAuthError) {
          await app.acquireTokenRedirect({ scopes: settings.scopes, account });
          throw error;
        }
        // Offline, or the identity provider unreachable: the call goes with the token it had, so the PWA's worker
        // can still answer with the person's offline copies; online, the service decides whether it still holds.
        if (last) return last;
        throw error;
      }
    },
    signOut: () => app.logoutRedirect({ account }),
  };
}

/**
 * Signs the person in as the product's gateway says. Undefined when the page is on its way to the identity
 * provider; the app starts when it comes back.
 */
export async function signIn(): Promise<Session | undefined> {
  const settings = await signInSettings();
  return settings.method === 'entra' ? entraSession(settings) : handedOverToken();
}

/** `fetch` with the session's Authorization header on every call. */
export function authorizedFetch(session: Session): typeof fetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    const authorization = await session.authorization();
    if (authorization) headers.set('authorization', authorization);
    return fetch(input, { ...init, headers });
  };
}
