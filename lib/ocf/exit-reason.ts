/**
 * The `ocf-exit-reason:` line. Pacemaker keeps the LAST such line on stderr, up to the end of
 * the line and at most 128 bytes (C characters), and shows it in crm_mon and pcs status — so
 * the reason is one line, secrets blanked, cut to 128 bytes with the useful part first.
 */
import { redactSecrets } from '../runtime/secrets';

export const EXIT_REASON_MAX = 128;
const DEFAULT_PREFIX = 'ocf-exit-reason:';

export function exitReasonLine(message: string, env: NodeJS.ProcessEnv): string {
  const prefix = env.OCF_EXIT_REASON_PREFIX || DEFAULT_PREFIX;
  const oneLine = redactSecrets(message).replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return `${prefix}${fitBytes(oneLine, EXIT_REASON_MAX)}\n`;
}

/** Cuts at a character boundary so that the UTF-8 form, "..." included, fits in `max` bytes. */
function fitBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let kept = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > max - 3) break;
    kept += char;
    bytes += size;
  }
  return `${kept}...`;
}
