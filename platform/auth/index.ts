export * from './principal';
export * from './apiTokens';
export * from './appServicePrincipal';
export * from './resolvePrincipal';
export * from './appServiceAuthentication';
