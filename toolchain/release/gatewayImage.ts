import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gatewayDockerfilePath } from '../../core/ports/deploymentTarget';
import { serviceCompilerOptions } from '../backend/generateService';
import { kitFile } from '../backend/kit';

/**
 * The Dockerfile of the product's gateway (`gatewayDockerfilePath`), built with the release package as context: it
 * compiles the gateway (`kit/gateway/`) and both clients with their own tsconfig, drops the clients' sources and
 * build settings, adds MSAL.js beside each (`vendor/`, for signing in with Entra ID), and runs the gateway on PORT
 * 8080 as the image's unprivileged `node` user. The image serves the web app at `/`, the PWA at `/app/`, forwards
 * `/api/<service>/` to the services GATEWAY_ROUTES names and tells the clients how to sign in (GATEWAY_SIGN_IN).
 */
export const gatewayDockerfile = `# Builds the product's gateway: docker build -f gateway/Dockerfile .
FROM node:22-slim AS build
WORKDIR /build
COPY gateway/package.json ./
RUN npm install --no-audit --no-fund --ignore-scripts
COPY gateway/tsconfig.json ./
COPY gateway/src ./src
COPY web ./web
COPY mobile ./mobile
RUN npx tsc -p tsconfig.json && npx tsc -p web/tsconfig.json && npx tsc -p mobile/tsconfig.json
RUN for app in web mobile; do rm -rf $app/src $app/package.json $app/package-lock.json $app/tsconfig.json $app/README.md $app/.folder.json; done
COPY gateway/vendor ./vendor
RUN for app in web mobile; do mkdir -p $app/vendor && cp vendor/* $app/vendor/; done

FROM node:22-slim
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0
WORKDIR /app
COPY --from=build /build/dist ./dist
COPY --from=build /build/web ./clients/web
COPY --from=build /build/mobile ./clients/mobile
USER node
EXPOSE 8080
CMD ["node", "dist/src/main.js"]
`;

const packageJson = {
  name: 'product-gateway',
  private: true,
  description:
    "The product's one origin: its web app, its PWA, and each service's API under /api/<service>/.",
  main: 'dist/src/main.js',
  // Only Node's own modules at run time; the compiler builds the gateway and the clients.
  devDependencies: { typescript: '~5.9', '@types/node': '^20' },
};

/**
 * MSAL.js as the browser loads it (one file, the `msal` global), from the factory's own installation, with its
 * licence: the clients never fetch code from another origin at run time.
 */
function msalFiles(): Array<{ path: string; content: Buffer }> {
  const root = dirname(require.resolve('@azure/msal-browser/package.json'));
  return [
    {
      path: 'gateway/vendor/msal-browser.min.js',
      content: readFileSync(join(root, 'lib', 'msal-browser.min.js')),
    },
    { path: 'gateway/vendor/msal-browser.LICENSE.txt', content: readFileSync(join(root, 'LICENSE')) },
  ];
}

/** The gateway's files in the release package, for a product with both clients (`web/` and `mobile/`). */
export function gatewayEntries(paths: ReadonlySet<string>): Array<{ path: string; content: Buffer }> {
  if (!paths.has('web/index.html') || !paths.has('mobile/index.html')) return [];
  const file = (path: string, content: string) => ({
    path: `gateway/${path}`,
    content: Buffer.from(content),
  });
  return [
    { path: gatewayDockerfilePath, content: Buffer.from(gatewayDockerfile) },
    file('package.json', `${JSON.stringify(packageJson, null, 2)}\n`),
    file(
      'tsconfig.json',
      `${JSON.stringify({ compilerOptions: serviceCompilerOptions, include: ['src'] }, null, 2)}\n`,
    ),
    file('src/gateway.ts', kitFile('src/gateway.ts', 'gateway')),
    file('src/main.ts', kitFile('src/main.ts', 'gateway')),
    ...msalFiles(),
  ];
}
