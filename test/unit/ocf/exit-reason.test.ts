import { EXIT_REASON_MAX, exitReasonLine } from '../../../lib/ocf/exit-reason';
import { OCF_EXIT, exitCodeForError, exitCodeForResult, UnimplementedError } from '../../../lib/ocf/exit-codes';
import { AgentError, type ErrorKind } from '../../../lib/runtime/errors';
import { registerSecret } from '../../../lib/runtime/secrets';

describe('ocf-exit-reason line', () => {
  test('default prefix, one line ending in a newline', () => {
    expect(exitReasonLine('auth_url not configured', {})).toBe('ocf-exit-reason:auth_url not configured\n');
  });
  test('OCF_EXIT_REASON_PREFIX wins when set, the default when empty', () => {
    expect(exitReasonLine('x', { OCF_EXIT_REASON_PREFIX: 'reason=' })).toBe('reason=x\n');
    expect(exitReasonLine('x', { OCF_EXIT_REASON_PREFIX: '' })).toBe('ocf-exit-reason:x\n');
  });
  test('multi-line messages are folded into one line', () => {
    expect(exitReasonLine('Nova answered 500:\n  internal error\r\n', {})).toBe('ocf-exit-reason:Nova answered 500: internal error\n');
  });
  test(`cut to the ${EXIT_REASON_MAX} characters Pacemaker keeps, beginning kept`, () => {
    const message = `endpoint_type 'x' is invalid: ${'y'.repeat(300)}`;
    const line = exitReasonLine(message, {});
    const text = line.slice('ocf-exit-reason:'.length, -1);
    expect(text).toHaveLength(EXIT_REASON_MAX);
    expect(text.startsWith("endpoint_type 'x' is invalid: ")).toBe(true);
    expect(text.endsWith('...')).toBe(true);
  });
  test('the limit is in bytes, as Pacemaker counts, and never splits a character', () => {
    const text = exitReasonLine(`host ${'é'.repeat(100)}`, {}).slice('ocf-exit-reason:'.length, -1);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(EXIT_REASON_MAX);
    expect(text).toMatch(/^host é+\.\.\.$/);
    expect(Buffer.byteLength(text)).toBeGreaterThan(EXIT_REASON_MAX - 3);
  });
  test('exactly 128 characters are kept whole', () => {
    const message = 'z'.repeat(EXIT_REASON_MAX);
    expect(exitReasonLine(message, {})).toBe(`ocf-exit-reason:${message}\n`);
  });
  test('secrets are blanked', () => {
    registerSecret('s3cr3t-reason');
    expect(exitReasonLine('login with s3cr3t-reason failed', {})).toBe('ocf-exit-reason:login with **** failed\n');
  });
});

describe('exit codes', () => {
  test.each<[ErrorKind, number]>([
    ['generic', 1],
    ['args', 2],
    ['unimplemented', 3],
    ['perm', 4],
    ['installed', 5],
    ['configured', 6],
    ['not-running', 7],
    ['timeout', 1],
  ])('error kind %s → %d', (kind, code) => {
    expect(exitCodeForError(new AgentError(kind, 'x'))).toBe(code);
  });
  test('anything that is not an AgentError is generic', () => {
    expect(exitCodeForError(new RangeError('x'))).toBe(OCF_EXIT.ERR_GENERIC);
    expect(exitCodeForError(undefined)).toBe(OCF_EXIT.ERR_GENERIC);
  });
  test('UnimplementedError → 3; results map to their codes', () => {
    expect(exitCodeForError(new UnimplementedError('x'))).toBe(3);
    expect(exitCodeForResult('success')).toBe(0);
    expect(exitCodeForResult('not-running')).toBe(7);
    expect(exitCodeForResult('degraded')).toBe(190);
  });
});
