/**
 * How a fence agent declares its options, and the options every fence agent gets from the
 * runtime (the classic fencing library's "default" set). One declaration drives input parsing,
 * the typed values handlers receive, `--help`, the manpage and the metadata.
 */

export type FenceOptionType = 'string' | 'integer' | 'second' | 'boolean' | 'select';

export interface FenceOptionSpec {
  type: FenceOptionType;
  /** Short flag, e.g. '-k'. */
  getopt?: `-${string}`;
  /** Long flag without dashes, e.g. 'auth-url'. The key is the declaration's property name. */
  longopt: string;
  /** Other accepted input names, not listed in the metadata. */
  aliases?: readonly string[];
  /**
   * Names the classic agents used for this option. Each is listed in the metadata with
   * `deprecated="1"`, and the current name with `obsoletes="<first of them>"`.
   */
  deprecatedNames?: readonly string[];
  default?: string | number | boolean;
  required?: boolean;
  /** Never logged, never on a child's argv: the value is registered with lib/runtime/secrets. */
  secret?: boolean;
  shortdesc: string;
  /** For 'select': the accepted values (matched case-insensitively). */
  choices?: readonly string[];
  /** The placeholder in `--opt=[metavar]` (help, manpage and the metadata's getopt line). */
  metavar?: string;
  /** Sort key in the metadata and help, as the classic library orders options (then by name). */
  order?: number;
}

export type FenceOptionSpecs = Readonly<Record<string, FenceOptionSpec>>;

/** The value a handler sees for one option, derived from its declaration. */
export type FenceOptionValue<S extends FenceOptionSpec> = S extends { type: 'boolean' }
  ? boolean
  : S extends { type: 'integer' | 'second' }
    ? S extends { default: number } | { required: true }
      ? number
      : number | undefined
    : S extends { type: 'select'; choices: readonly (infer C)[] }
      ? S extends { default: string } | { required: true }
        ? C
        : C | undefined
      : S extends { default: string } | { required: true }
        ? string
        : string | undefined;

export type FenceOptionValues<O extends FenceOptionSpecs> = {
  -readonly [K in keyof O]: FenceOptionValue<O[K]>;
};

/**
 * The runtime's own options. `action_timeout` is ours: the fencer passes no timeout on stdin,
 * so the whole action is bounded by this many seconds (default below Pacemaker's default
 * stonith-timeout of 60 s, so a slow action fails with a message instead of being killed).
 */
export const standardOptions = {
  action: {
    type: 'string',
    getopt: '-o',
    longopt: 'action',
    metavar: 'action',
    required: true,
    shortdesc: 'Fencing action',
    order: 1,
  },
  plug: {
    type: 'string',
    getopt: '-n',
    longopt: 'plug',
    metavar: 'id',
    deprecatedNames: ['port'],
    shortdesc: 'Physical plug number on device, UUID or identification of machine',
    order: 1,
  },
  username: {
    type: 'string',
    getopt: '-l',
    longopt: 'username',
    metavar: 'name',
    deprecatedNames: ['login'],
    shortdesc: 'Login name',
    order: 1,
  },
  password: {
    type: 'string',
    getopt: '-p',
    longopt: 'password',
    metavar: 'password',
    deprecatedNames: ['passwd'],
    secret: true,
    shortdesc: 'Login password or passphrase',
    order: 1,
  },
  password_script: {
    type: 'string',
    getopt: '-S',
    longopt: 'password-script',
    metavar: 'script',
    deprecatedNames: ['passwd_script'],
    shortdesc: 'Script to run to retrieve password',
    order: 1,
  },
  quiet: {
    type: 'boolean',
    getopt: '-q',
    longopt: 'quiet',
    shortdesc: 'Disable logging to stderr. Does not affect --verbose or --debug-file.',
    order: 50,
  },
  verbose: {
    type: 'boolean',
    getopt: '-v',
    longopt: 'verbose',
    shortdesc: 'Verbose mode: log debug messages',
    order: 51,
  },
  verbose_level: {
    type: 'integer',
    longopt: 'verbose-level',
    metavar: 'level',
    shortdesc: 'Level of debugging detail in output; any level above 0 means verbose',
    order: 52,
  },
  debug_file: {
    type: 'string',
    getopt: '-D',
    longopt: 'debug-file',
    metavar: 'debugfile',
    deprecatedNames: ['debug'],
    shortdesc: 'Write debug information to given file',
    order: 53,
  },
  version: {
    type: 'boolean',
    getopt: '-V',
    longopt: 'version',
    shortdesc: 'Display version information and exit',
    order: 54,
  },
  help: {
    type: 'boolean',
    getopt: '-h',
    longopt: 'help',
    shortdesc: 'Display help and exit',
    order: 55,
  },
  plug_separator: {
    type: 'string',
    longopt: 'plug-separator',
    metavar: 'char',
    default: ',',
    shortdesc: 'Separator for plug parameter when specifying more than 1 plug',
    order: 100,
  },
  separator: {
    type: 'string',
    getopt: '-C',
    longopt: 'separator',
    metavar: 'char',
    default: ',',
    shortdesc: "Separator for CSV created by 'list' operation",
    order: 100,
  },
  delay: {
    type: 'second',
    longopt: 'delay',
    metavar: 'seconds',
    default: 0,
    shortdesc: 'Wait X seconds before fencing is started',
    order: 200,
  },
  disable_timeout: {
    type: 'boolean',
    longopt: 'disable-timeout',
    shortdesc:
      'Let only action_timeout bound waits, not power/shell/login timeouts (default: true when run from Pacemaker)',
    order: 200,
  },
  login_timeout: {
    type: 'second',
    longopt: 'login-timeout',
    metavar: 'seconds',
    default: 5,
    shortdesc: 'Wait X seconds for a login or token request',
    order: 200,
  },
  power_timeout: {
    type: 'second',
    longopt: 'power-timeout',
    metavar: 'seconds',
    default: 20,
    shortdesc: 'Test X seconds for status change after ON/OFF',
    order: 200,
  },
  power_wait: {
    type: 'second',
    longopt: 'power-wait',
    metavar: 'seconds',
    default: 0,
    shortdesc: 'Wait X seconds after issuing ON/OFF',
    order: 200,
  },
  shell_timeout: {
    type: 'second',
    longopt: 'shell-timeout',
    metavar: 'seconds',
    default: 3,
    shortdesc: 'Wait X seconds for a command or request to the device',
    order: 200,
  },
  stonith_status_sleep: {
    type: 'second',
    longopt: 'stonith-status-sleep',
    metavar: 'seconds',
    default: 1,
    shortdesc: 'Sleep X seconds between status calls during a STONITH action',
    order: 200,
  },
  action_timeout: {
    type: 'second',
    longopt: 'action-timeout',
    metavar: 'seconds',
    default: 55,
    shortdesc: 'Give up the whole action after X seconds (keep it below the fencer timeout)',
    order: 200,
  },
  retry_on: {
    type: 'integer',
    longopt: 'retry-on',
    metavar: 'attempts',
    default: 1,
    shortdesc: 'Count of attempts to retry power on',
    order: 201,
  },
} as const satisfies FenceOptionSpecs;

export type StandardOptions = typeof standardOptions;
export type StandardOptionKey = keyof StandardOptions;

/** Standard options whose default an agent may change (fence_compute: shell_timeout 180). */
export type TunableStandardOption =
  | 'delay'
  | 'login_timeout'
  | 'power_timeout'
  | 'power_wait'
  | 'shell_timeout'
  | 'stonith_status_sleep'
  | 'action_timeout'
  | 'retry_on';

/** Input names the fencer sends that no agent needs to declare. */
export const silentlyIgnoredNames: readonly string[] = ['nodename'];
