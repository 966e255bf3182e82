/**
 * How `nova-ha` ends, decided in one place (run.ts) from the error a command threw. Scripts
 * and monitoring rely on these numbers: they are part of the CLI's contract, printed in
 * every `--help`.
 */
export const EXIT = {
  ok: 0,
  /** A check failed, a call to Nova or Pacemaker failed, or a doctor line is ✗. */
  failure: 1,
  /** Wrong arguments or options, or credentials/configuration that cannot work. */
  usage: 2,
  /** Refused for safety: acting could run an instance twice (see --help of the command). */
  refused: 3,
  /** The named host or instance does not exist. */
  notFound: 4,
  /** --wait or --timeout ran out before the work was done. */
  timeout: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `Exit codes:
  0  success (doctor: no check failed)
  1  failure: a check failed, or Nova/Keystone/Pacemaker could not be reached or refused
  2  usage or configuration error (options, credentials)
  3  refused for safety (e.g. evacuate a host Nova still sees up)
  4  no such host or instance
  5  timed out (--wait, --timeout)`;
