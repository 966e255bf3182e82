/**
 * What a command may touch besides Nova and Pacemaker: its output streams, environment,
 * working directory and clock. Injected so unit tests drive commands without a process.
 */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  now(): number;
}

/** A reader that closes early (`nova-ha status | head`) is not an error worth a stack trace. */
function ignoreClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}

export function processIo(): CliIo {
  ignoreClosedPipe(process.stdout);
  ignoreClosedPipe(process.stderr);
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    now: Date.now,
  };
}

/** Collects output in memory (tests). */
export function memoryIo(env: Record<string, string | undefined> = {}, now: () => number = Date.now): CliIo & {
  stdout: () => string;
  stderr: () => string;
} {
  let stdout = '';
  let stderr = '';
  return {
    out: (text) => void (stdout += text),
    err: (text) => void (stderr += text),
    env,
    cwd: process.cwd(),
    now,
    stdout: () => stdout,
    stderr: () => stderr,
  };
}
