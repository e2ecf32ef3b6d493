// The collector counts with the SDK's own aggregation module, taken from the build, so the
// numbers it serves are exactly the ones the SDK means.
export const { aggregate, METRICS } = await import('../../dist/metrics.js').catch((err) => {
  throw new Error('examples/collector imports dist/metrics.js: run `npm run build` first', { cause: err });
});
