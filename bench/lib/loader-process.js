// The load generator's own process (started by load.js, pinned to its own
// CPU when the machine allows): runs autocannon for each `measure` message
// and answers with the result and the CPU this process used meanwhile, read
// here, so the harness's own work is not counted as the load generator's.
import autocannon from 'autocannon';

process.on('message', async (/** @type {any} */ message) => {
  if (message.type !== 'measure') return;
  const before = process.cpuUsage();
  const started = process.hrtime.bigint();
  try {
    const result = await autocannon(message.options);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const used = process.cpuUsage(before);
    process.send?.({
      type: 'result',
      id: message.id,
      result: {
        duration: result.duration,
        statusCodeStats: result.statusCodeStats ?? {},
        latency: { p50: result.latency.p50, p99: result.latency.p99 },
        errors: result.errors,
        timeouts: result.timeouts,
        cpu: (used.user + used.system) / 1e6 / seconds,
      },
    });
  } catch (err) {
    process.send?.({ type: 'error', id: message.id, message: err instanceof Error ? err.message : String(err) });
  }
});
// The harness ended (or crashed): end too, instead of lingering.
process.on('disconnect', () => process.exit(0));
// Ready: the harness waits for this before the first measurement, so loading autocannon is never timed.
process.send?.({ type: 'ready' });
