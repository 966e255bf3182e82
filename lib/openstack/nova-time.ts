/** Nova's times lack a zone on some fields; they are UTC. NaN when absent or unreadable. */
export function novaTimeMs(text: string | null | undefined): number {
  if (!text) return Number.NaN;
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
}
