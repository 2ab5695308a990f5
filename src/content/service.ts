// Content use cases shared by the API, the tests and the benchmarks, in two halves: commands
// (submit, draft, review, revise, extend; with their input schemas) and queries (status,
// revisions, diffs, inbox, publications, metrics, audit). SQL lives in ./store.
export * from './commands';
export * from './errors';
export * from './queries';
