// The machine a run measured, for the top of the report.
import os from 'node:os';

export function describeMachine() {
  const cpus = os.cpus();
  return {
    cores: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    load: os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(', '),
  };
}
