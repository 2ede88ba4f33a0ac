/** One entry of the error catalog. Codes never change meaning once published. */
export interface CodeInfo {
  /** One line: what happened, in general terms. */
  readonly title: string;
  /** How the user fixes it (or what to report, for internal errors). */
  readonly hint: string;
  /** user: the user can fix it (exit 2); internal: a bug or an environment failure (exit 1). */
  readonly kind: 'user' | 'internal' | 'deploy';
}

export type CodeTable = Readonly<Record<string, CodeInfo>>;
