/**
 * Values that must never be printed: passwords, application credential secrets, tokens.
 * Parameter declarations flag them `secret`; the runtimes register their values here, and the
 * logger replaces every occurrence in a message before it is written anywhere.
 */
const secrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
  // Very short values would blank out ordinary words in log lines.
  if (value !== undefined && value.length >= 3) secrets.add(value);
}

export function redactSecrets(text: string): string {
  let result = text;
  for (const secret of secrets) result = result.split(secret).join('****');
  return result;
}
