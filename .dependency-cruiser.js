// @ts-check
// The layering of docs/adr/0035-layers.md: a folder imports only from the folders below it. Lowest first; folders on
// one line are peers and do not import each other.
const layers = [
  // The static half of generated services: copied into them as files, never imported by the factory.
  ['kit'],
  ['core'],
  ['platform'],
  ['telemetry', 'toolchain'],
  ['agents'],
  ['gates'],
  ['orchestrations'],
  ['runs'],
  ['functions'],
  ['local', 'deploy'],
];

const pattern = (folders) => `^(${folders.join('|')})/`;

const upward = layers.flatMap((layer, index) => {
  const above = layers.slice(index + 1).flat();
  return layer.map((folder) => ({
    name: `${folder}-imports-downward-only`,
    comment: `${folder}/ may import only from ${layers.slice(0, index).flat().join(', ') || 'itself'}`,
    severity: 'error',
    from: { path: pattern([folder]) },
    to: { path: pattern([...above, ...layer.filter((peer) => peer !== folder)]) },
  }));
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'generator-below-agents',
      comment:
        'agents/blueprint (the offline generator) and agents/runtime serve the agents; they never import one',
      severity: 'error',
      from: { path: '^agents/(blueprint|runtime)/' },
      to: { path: '^agents/(?!blueprint/|runtime/)' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|test|bench)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
