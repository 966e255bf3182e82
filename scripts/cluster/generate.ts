/**
 * cluster-up's generator: `tsx scripts/cluster/generate.ts cib|scenario [options]` prints the
 * CIB configuration (clusterCib) or the simulated cloud's scenario (JSON) on stdout.
 * The scenario's admin password is read from the file named by --password-file (never argv).
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { clusterCib, type ClusterVariant } from './cib';
import { clusterScenario } from './scenario';

const program = new Command('generate');
program
  .command('cib')
  .requiredOption('--computes <n>', 'compute nodes', '2')
  .option('--variant <v>', 'novacompute | wait', 'novacompute')
  .requiredOption('--clouds-yaml <path>', 'clouds.yaml for the OpenStack agents')
  .option('--cloud <name>', 'cloud in clouds.yaml', 'sim')
  .option('--power <kind>', 'ipmi | dummy', 'ipmi')
  .option('--bmc-address <addr>', 'BMC emulators address', '127.0.0.1')
  .option('--bmc-port <n>', 'compute<i> BMC is on this port + i', '16230')
  .option('--password-script <path>', "prints the BMCs' password", '')
  .requiredOption('--node-dir <path>', "each compute's own files, at one path")
  .option('--controller-fence-status <path>', "fence_dummy status file of ctl1's device", '/run/nova-ha-cluster/fence-ctl1.status')
  .option('--evacuation-delay <s>', 'NovaCompute evacuation_delay', '0')
  .option('--restart-limit <n>', 'nova_compute_restart_limit', '3')
  .option('--evacuate-param <k=v...>', 'extra NovaEvacuate parameter')
  .action((o: Record<string, string | string[] | undefined>) => {
    const variant = o['variant'] as ClusterVariant;
    if (variant !== 'novacompute' && variant !== 'wait') throw new Error(`unknown variant ${variant}`);
    const extra = ((o['evacuateParam'] as string[] | undefined) ?? []).map((kv) => {
      const at = kv.indexOf('=');
      return [kv.slice(0, at), kv.slice(at + 1)] as const;
    });
    process.stdout.write(
      clusterCib({
        computes: Number(o['computes']),
        variant,
        cloudsYaml: String(o['cloudsYaml']),
        cloud: String(o['cloud']),
        power:
          o['power'] === 'dummy'
            ? { kind: 'dummy' }
            : {
                kind: 'ipmi',
                address: String(o['bmcAddress']),
                basePort: Number(o['bmcPort']),
                username: 'admin',
                passwordScript: String(o['passwordScript']),
              },
        nodeDir: String(o['nodeDir']),
        evacuationDelay: Number(o['evacuationDelay']),
        novaComputeRestartLimit: Number(o['restartLimit']),
        novaEvacuateParams: extra,
        controllerFenceStatusFile: String(o['controllerFenceStatus']),
      }),
    );
  });
program
  .command('scenario')
  .requiredOption('--computes <n>', 'compute nodes', '2')
  .requiredOption('--password-file <path>', 'file holding the admin password')
  .action((o: { computes: string; passwordFile: string }) => {
    const password = readFileSync(o.passwordFile, 'utf8').trim();
    process.stdout.write(`${JSON.stringify(clusterScenario(Number(o.computes), password), null, 2)}\n`);
  });
program.parse(process.argv);
