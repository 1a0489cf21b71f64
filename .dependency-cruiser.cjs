/**
 * The layers of src/, checked in CI (`npm run deps`). Imports only go down:
 *
 *   app.ts, main.ts, server/, inbound/     composition root, HTTP routes, Slack's inbound handlers
 *   bridge/, hitl/, handoff/, csat/        the product: turns and Fin's events, human-in-the-loop steps, hand-off, ratings
 *   stream/, slack/, fin/                  streaming into Slack, the Slack Web API, the Fin Agent API
 *   store/, format/, core/, config/, ops/  storage, text formatting, shared primitives, configuration, metrics
 *
 * Within a layer a folder may use another, but never in a circle.
 */
const LAYERS = [
  { name: 'top', path: '^src/(app\\.ts|main\\.ts|server/|inbound/)' },
  { name: 'product', path: '^src/(bridge|hitl|handoff|csat)/' },
  { name: 'edges', path: '^src/(stream|slack|fin)/' },
  { name: 'base', path: '^src/(store|format|core|config|ops)/' },
];

const upward = LAYERS.flatMap((lower, i) =>
  LAYERS.slice(0, i).map((higher) => ({
    name: `no-${lower.name}-to-${higher.name}`,
    comment: `${lower.name} (${lower.path}) must not import ${higher.name} (${higher.path}): imports only go down`,
    severity: 'error',
    from: { path: lower.path },
    to: { path: higher.path },
  })),
);

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-folder-cycles',
      comment: 'no circle of imports between modules (and so between folders)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'edges-stay-apart',
      comment: 'stream/ is below the Slack edge: it must not import slack/ (slack/ uses stream/)',
      severity: 'error',
      from: { path: '^src/stream/' },
      to: { path: '^src/slack/' },
    },
    {
      name: 'src-not-tests-or-tools',
      comment: 'production code does not import tests, fakes, the benchmark or the sandbox',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|fakes|bench|sandbox)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
