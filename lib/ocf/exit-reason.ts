/**
 * The `ocf-exit-reason:` line. Pacemaker keeps the LAST such line on stderr, up to the end of
 * the line and at most 128 characters, and shows it in crm_mon and pcs status — so the reason
 * is one line, secrets blanked, cut to 128 characters with the useful part first.
 */
import { redactSecrets } from '../runtime/secrets';

export const EXIT_REASON_MAX = 128;
const DEFAULT_PREFIX = 'ocf-exit-reason:';

export function exitReasonLine(message: string, env: NodeJS.ProcessEnv): string {
  const prefix = env.OCF_EXIT_REASON_PREFIX || DEFAULT_PREFIX;
  const oneLine = redactSecrets(message).replace(/\s*[\r\n]+\s*/g, ' ').trim();
  const text =
    oneLine.length > EXIT_REASON_MAX ? `${oneLine.slice(0, EXIT_REASON_MAX - 3)}...` : oneLine;
  return `${prefix}${text}\n`;
}
