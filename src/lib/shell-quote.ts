/**
 * One word for a POSIX shell: single-quoted, with each `'` written as `'\''`. ssh sends its
 * command to the server's login shell as one string, so every argv element crosses this way
 * (STYLE.md rule 9: argv arrays, one quoting helper for SSH).
 */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** argv as one command line for a POSIX shell. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
