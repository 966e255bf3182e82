/**
 * The `nova-ha` command line (commander): global options (credentials as the openstack CLI
 * spells them, the status file, the time budget) and one subcommand per operator task.
 * Each action loads its module on demand, so `--help` and `status` start fast.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_STATUS_FILE } from './defaults';
import { createContext, DEFAULT_TIMEOUT_S, type CommandContext, type GlobalOptions } from './context';
import { EXIT_CODES_HELP } from './exit-codes';
import type { CliIo } from './io';
import { addPolicyOptions } from './policy-options';

const SAFETY_HELP = `
Safety: nova-ha never evacuates a host that Nova sees up and not forced down; that host
may still run its instances, and evacuating would run them twice. Fencing (fence_compute)
is what forces a host down.`;

function seconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError('expected a number of seconds > 0');
  return parsed;
}

function addGlobalOptions(program: Command, io: CliIo): void {
  const env = io.env;
  program
    .addOption(new Option('--cloud <name>', 'cloud in clouds.yaml (env OS_CLOUD)'))
    .addOption(new Option('--clouds-yaml <path>', 'clouds.yaml to read (default: the openstack CLI search path)'))
    .addOption(new Option('--credentials-file <path>', 'openrc-style file of OS_*=value lines (read, never executed)'))
    .addOption(new Option('--os-auth-url <url>', 'Keystone URL (env OS_AUTH_URL)'))
    .addOption(new Option('--os-auth-type <type>', 'password or v3applicationcredential (env OS_AUTH_TYPE)'))
    .addOption(new Option('--os-username <name>', 'user (env OS_USERNAME)'))
    .addOption(new Option('--os-user-id <id>', 'user id (env OS_USER_ID)'))
    .addOption(new Option('--os-password <password>', 'UNSAFE on argv: prefer env OS_PASSWORD'))
    .addOption(new Option('--os-project-name <name>', 'project (env OS_PROJECT_NAME)'))
    .addOption(new Option('--os-project-id <id>', 'project id (env OS_PROJECT_ID)'))
    .addOption(new Option('--os-user-domain-name <name>', 'user domain (env OS_USER_DOMAIN_NAME; Default)'))
    .addOption(new Option('--os-project-domain-name <name>', 'project domain (env OS_PROJECT_DOMAIN_NAME; Default)'))
    .addOption(new Option('--os-region-name <name>', 'region (env OS_REGION_NAME)'))
    .addOption(new Option('--os-interface <interface>', 'public, internal or admin (env OS_INTERFACE; public)'))
    .addOption(new Option('--os-cacert <path>', 'CA bundle (env OS_CACERT)'))
    .addOption(new Option('--insecure', 'do not verify TLS certificates (env OS_INSECURE)'))
    .addOption(new Option('--os-application-credential-id <id>', 'application credential (env OS_APPLICATION_CREDENTIAL_ID)'))
    .addOption(new Option('--os-application-credential-name <name>', 'application credential name'))
    .addOption(new Option('--os-application-credential-secret <secret>', 'UNSAFE on argv: prefer env OS_APPLICATION_CREDENTIAL_SECRET'))
    .addOption(new Option('--nova-max-microversion <version>', 'highest Nova microversion to speak (default 2.94)'))
    .addOption(
      new Option('--status-file <path>', "NovaEvacuate's status file (env NOVA_HA_STATUS_FILE)").default(
        env.NOVA_HA_STATUS_FILE || DEFAULT_STATUS_FILE,
      ),
    )
    .addOption(
      new Option('--timeout <seconds>', 'time budget of the whole command').argParser(seconds).default(DEFAULT_TIMEOUT_S),
    )
    .addOption(new Option('-v, --verbose', 'log what is being done to stderr'));
}

type Runner = (ctx: CommandContext, ...args: never[]) => Promise<void>;

/** The action of a subcommand: context from the global options, then the lazily loaded runner. */
function action(io: CliIo, load: () => Promise<Runner>) {
  return async (...received: unknown[]) => {
    const command = received[received.length - 1] as Command;
    const options = command.opts();
    const globals = command.optsWithGlobals<GlobalOptions>();
    const explicit = new Set(Object.keys(options).filter((key) => command.getOptionValueSource(key) === 'cli'));
    const ctx = createContext(io, globals, explicit);
    const positional = received.slice(0, -2);
    const run = (await load()) as (ctx: CommandContext, ...args: unknown[]) => Promise<void>;
    await run(ctx, ...positional, options);
  };
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('nova-ha');
  program
    .description('Operate instance HA for OpenStack: status, plans, manual evacuation, the brake, diagnostics.')
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\n${EXIT_CODES_HELP}\n${SAFETY_HELP}`)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text),
      writeErr: (text) => io.err(text),
    });
  addGlobalOptions(program, io);

  // Subcommands inherit exitOverride, the output streams and the help settings from .command().
  const sub = (name: string, description: string): Command =>
    program.command(name).description(description).addHelpText('after', `\n${EXIT_CODES_HELP}`);

  sub('doctor', 'check credentials, Keystone, the catalog, Nova microversions, Pacemaker tools, attributes and the clock')
    .option('--json', 'print the checks as JSON')
    .action(action(io, async () => (await import('./doctor')).runDoctor as Runner));

  sub('status', "hosts, evacuation marks, per-instance progress, errors and the brake, from NovaEvacuate's status file")
    .addHelpText(
      'after',
      '\nReads --status-file (written by NovaEvacuate after every monitor pass). With --live, or when\n' +
        'the file does not exist on this node, reads the evacuate attributes (attrd_updater) and\n' +
        "Nova's compute services instead (credentials needed).",
    )
    .option('--json', 'print the status as JSON')
    .option('--live', 'read Pacemaker and Nova now instead of the status file')
    .option('--hosts-only', 'leave out the per-instance tables')
    .action(action(io, async () => (await import('./status')).runStatus as Runner));

  addPolicyOptions(
    sub('plan', 'dry run: if these hosts failed now, which instances would go where, with what room, and what is unprotected')
      .argument('<hosts...>', 'Nova compute hosts')
      .addHelpText(
        'after',
        "\nUses NovaEvacuate's own planners (scope, priority, segments, placement) over a read-only\n" +
          "snapshot of Nova, with the policy of the cluster's NovaEvacuate resource (read from the CIB);\n" +
          'the policy options given here override it. Nothing is changed.',
      )
      .option('--json', 'print the plan as JSON'),
  ).action(action(io, async () => (await import('./plan')).runPlan as Runner));

  addPolicyOptions(
    sub('explain', 'is this instance protected, and why; its host, segment, priority and evacuation progress')
      .argument('<instance>', 'server id, or its exact name')
      .option('--json', 'print the explanation as JSON'),
  ).action(action(io, async () => (await import('./explain')).runExplain as Runner));

  sub('evacuate', 'evacuate a failed host now (manual), with the same safety checks as the automatic path')
    .argument('<host>', 'Nova compute host (its nova-compute service host name)')
    .addHelpText(
      'after',
      '\nRefuses (exit 3) a host Nova does not show forced down: it may still run its instances.\n' +
        'Fence it first (pcs stonith fence HOST runs fence_compute). Then marks evacuate=yes\n' +
        '(attrd_updater -p) so the running NovaEvacuate evacuates it; --wait follows its status file.\n' +
        '--i-know-the-host-is-dead-unsafe forces the host down in Nova on your word instead of fencing:\n' +
        'if the host is in fact alive, its instances will run twice.',
    )
    .option('--wait', 'follow the status file until the host is done')
    .addOption(
      new Option('--wait-timeout <seconds>', 'give up waiting after this long (exit 5)').argParser(seconds).default(900),
    )
    .option('--json', 'print JSON')
    .option('--i-know-the-host-is-dead-unsafe', 'skip the fencing check: force the host down in Nova yourself (UNSAFE)')
    .action(action(io, async () => (await import('./evacuate')).runEvacuate as Runner));

  sub('resume', 'lift the mass-failure brake: NovaEvacuate evacuates again what was held back')
    .addHelpText(
      'after',
      '\nWrites the cluster property nova-ha-resumed-at = now (epoch seconds) with crm_attribute;\n' +
        'NovaEvacuate ignores brake trips older than that. Check `nova-ha status` first: the brake\n' +
        'trips when many hosts fail at once, which often means the controllers are the ones cut off.',
    )
    .option('--json', 'print what was written as JSON')
    .action(action(io, async () => (await import('./resume')).runResume as Runner));

  return program;
}
