import ignore from 'ignore';

/** What one .gitignore file says about a path: later (deeper) files override earlier ones. */
export type IgnoreVerdict = 'ignored' | 'unignored' | 'unspecified';

export interface IgnoreRules {
  /** `relPath` is relative to the directory holding the .gitignore, with `/` separators. */
  verdict(relPath: string, isDir: boolean): IgnoreVerdict;
}

/** Wraps the `ignore` package (the only file that imports it): gitignore syntax and semantics. */
export function parseGitignore(text: string): IgnoreRules {
  const rules = ignore().add(text);
  return {
    verdict(relPath, isDir) {
      const result = rules.test(isDir ? `${relPath}/` : relPath);
      if (result.ignored) return 'ignored';
      return result.unignored ? 'unignored' : 'unspecified';
    },
  };
}
