/**
 * `npm run sim -- --scenario FILE [--listen 127.0.0.1:PORT] [--time-scale N] [--seed N]`:
 * serve a simulated cloud, print one JSON line with its endpoints when ready, and run
 * until SIGTERM or SIGINT.
 */
import { Command } from 'commander';
import { startSimulator } from './index';

async function main(): Promise<void> {
  const program = new Command('sim')
    .requiredOption('--scenario <file>', 'scenario file (JSON or YAML)')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:0')
    .option('--time-scale <n>', 'simulated seconds per real second')
    .option('--seed <n>', 'random seed (overrides the scenario)')
    .parse(process.argv);
  const opts = program.opts<{ scenario: string; listen: string; timeScale?: string; seed?: string }>();
  const m = /^(.*):(\d+)$/.exec(opts.listen);
  if (!m) throw new Error(`--listen wants HOST:PORT, got ${opts.listen}`);
  const sim = await startSimulator({
    scenario: opts.scenario,
    host: m[1]!,
    port: Number(m[2]),
    ...(opts.timeScale ? { timing: { timeScale: Number(opts.timeScale) } } : {}),
    ...(opts.seed ? { seed: Number(opts.seed) } : {}),
  });
  process.stdout.write(`${JSON.stringify(sim.endpoints)}\n`);
  const stop = () => {
    void sim.stop().then(() => {
      process.exitCode = 0;
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`sim: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
