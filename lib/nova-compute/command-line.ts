/**
 * The `nova_compute_command` parameter split into argv the way a shell would split a simple
 * command: words separated by whitespace, '…' taken literally, "…" with \" and \\ escapes, a
 * backslash outside quotes escaping the next character. No shell ever runs it: no variables,
 * globs, pipes or redirections.
 */
import { ConfigError } from '../runtime/errors';

export function splitCommandLine(text: string, parameter = 'nova_compute_command'): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) word += text[++i];
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === '\\') {
      if (i + 1 >= text.length) throw new ConfigError(`${parameter} ends with a lone backslash: ${text}`);
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new ConfigError(`${parameter} has an unterminated ${quote} quote: ${text}`);
  if (inWord) words.push(word);
  if (words.length === 0) throw new ConfigError(`${parameter} is empty`);
  return words;
}
