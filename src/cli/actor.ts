/** Who runs this CLI, for the deployment records (`slipway history`): user, host and the CI run. */
import { hostname, userInfo } from 'node:os';
import type { Actor } from '../engine/actor.js';

/** The CI run from the variables each system sets; undefined outside CI. */
export function ciOf(environ: NodeJS.ProcessEnv): string | undefined {
  const v = (name: string): string | undefined => environ[name] || undefined;
  if (v('GITHUB_ACTIONS') === 'true') return ['github-actions', v('GITHUB_REPOSITORY'), v('GITHUB_RUN_ID') && `run ${v('GITHUB_RUN_ID')}`].filter(Boolean).join(' ');
  if (v('GITLAB_CI') === 'true') return ['gitlab-ci', v('CI_PROJECT_PATH'), v('CI_PIPELINE_ID') && `pipeline ${v('CI_PIPELINE_ID')}`].filter(Boolean).join(' ');
  if (v('BUILDKITE') === 'true') return ['buildkite', v('BUILDKITE_PIPELINE_SLUG'), v('BUILDKITE_BUILD_NUMBER') && `build ${v('BUILDKITE_BUILD_NUMBER')}`].filter(Boolean).join(' ');
  if (v('CIRCLECI') === 'true') return ['circleci', v('CIRCLE_PROJECT_REPONAME'), v('CIRCLE_BUILD_NUM') && `build ${v('CIRCLE_BUILD_NUM')}`].filter(Boolean).join(' ');
  if (v('JENKINS_URL')) return ['jenkins', v('JOB_NAME'), v('BUILD_NUMBER') && `build ${v('BUILD_NUMBER')}`].filter(Boolean).join(' ');
  if (v('CI') && v('CI') !== 'false') return v('CI_NAME') ?? 'ci';
  return undefined;
}

export function actorOf(environ: NodeJS.ProcessEnv): Actor {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = environ['USER'] ?? `uid ${process.getuid?.() ?? '?'}`;
  }
  const ci = ciOf(environ);
  return { user: user.slice(0, 256), host: hostname().slice(0, 256), ...(ci ? { ci: ci.slice(0, 512) } : {}) };
}
