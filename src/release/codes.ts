import type { CodeTable } from '../error-code-info.js';

export const releaseCodes = {
  SLW_SOURCE_NOT_FOUND: {
    title: 'The source directory of a service does not exist or is not a directory.',
    hint: 'Check `source` in slipway.yaml; relative paths are resolved from the directory holding slipway.yaml.',
    kind: 'user',
  },
  SLW_SOURCE_NOT_COMMITTED: {
    title: 'The source is inside a git repository but has nothing committed at HEAD.',
    hint: 'slipway deploys the committed state (HEAD) of a git work tree: commit the source directory first (`git add` and `git commit`).',
    kind: 'user',
  },
  SLW_SOURCE_SNAPSHOT_FAILED: {
    title: 'The source snapshot of a release could not be written.',
    hint: 'Check the message for the failing command or file; check that git and tar are installed and the disk is not full.',
    kind: 'internal',
  },
  SLW_SOURCE_DEST_EXISTS: {
    title: 'A release directory already exists.',
    hint: 'Release directories are never overwritten. This is a bug in slipway (release ids must be unique): run again with --json and report the output.',
    kind: 'internal',
  },
  SLW_BUILD_FAILED: {
    title: 'The build command exited with an error.',
    hint: 'Read the last lines of the build log (shown with the error; the whole log is build.log in the release directory under <state-dir>/releases/) and fix the build; run it by hand in the source directory to reproduce.',
    kind: 'deploy',
  },
  SLW_BUILD_TIMEOUT: {
    title: 'The build did not finish in time, or the deploy was cancelled, and was stopped.',
    hint: 'Builds may take at most 15 minutes: make the build faster (cache dependencies, build less); the build log shows how far it got.',
    kind: 'deploy',
  },
  SLW_BUILD_SPAWN_FAILED: {
    title: 'The build command could not be started.',
    hint: 'Check that the `build` command exists (on the PATH given in the build env, or as an absolute path) and is executable.',
    kind: 'user',
  },
} as const satisfies CodeTable;
