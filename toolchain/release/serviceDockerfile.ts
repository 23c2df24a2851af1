import { serviceDockerfilePath } from '../../core/ports/deploymentTarget';

/**
 * The Dockerfile the release package carries at its root (`serviceDockerfilePath`). With the package as the
 * build context it builds one service, named by the build argument SERVICE, the way the local target does
 * (toolchain/backend/compileForDeployment.ts): the service's own strict `tsconfig.json`, then
 * `node dist/src/main.js` on PORT 8080. The final image holds the compiled JavaScript, package.json and the
 * runtime packages it names (the PostgreSQL driver) without the build's, and the service's migrations, which it
 * applies at start with its managed identity (the template makes that identity the server's Entra admin); it runs as the image's unprivileged `node` user and carries no
 * settings beyond the port: every connection setting arrives as an environment variable of the container app.
 */
export const serviceDockerfile = `# Builds one service of this release: docker build --build-arg SERVICE=<services/ folder name> .
FROM node:22-slim AS build
ARG SERVICE
RUN test -n "$SERVICE" || (echo 'the build argument SERVICE names the service to build' >&2; exit 1)
WORKDIR /build
COPY services/\${SERVICE}/package.json services/\${SERVICE}/tsconfig.json ./
RUN npm install --no-audit --no-fund --ignore-scripts
COPY services/\${SERVICE}/ ./
RUN npx tsc -p tsconfig.json

FROM node:22-slim
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0
WORKDIR /app
COPY --from=build /build/package.json ./
RUN npm install --omit=dev --no-audit --no-fund --ignore-scripts
COPY --from=build /build/dist ./dist
# The service applies its pending migrations at start (under an advisory lock, so replicas take turns).
COPY db/\${SERVICE}/ ./migrations/
ENV MIGRATIONS_DIR=/app/migrations
USER node
EXPOSE 8080
CMD ["node", "dist/src/main.js"]
`;

/** The Dockerfile as a release package entry. */
export function serviceDockerfileEntry(): { path: string; content: Buffer } {
  return { path: serviceDockerfilePath, content: Buffer.from(serviceDockerfile) };
}
