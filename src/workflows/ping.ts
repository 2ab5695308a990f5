// The smallest possible workflow: no activities, no timers. Benchmarks use its round trip as
// the baseline cost of one workflow task on this server; operators can use it as a probe.
export function pingWorkflow(note = 'pong'): Promise<string> {
  return Promise.resolve(note);
}
