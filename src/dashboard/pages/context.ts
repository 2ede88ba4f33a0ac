import type { ApiClient } from '../../api/client.js';

/** The control API as the dashboard uses it: the same client, methods and schemas as the CLI. */
export type DashboardApi = Pick<ApiClient, 'call' | 'stream'>;

export interface PageContext {
  readonly api: DashboardApi;
  readonly url: URL;
  /** The session's CSRF token, put in every form that acts. */
  readonly csrf: string;
  readonly now: number;
}

/** A page: its title and its main content (the part live updates replace). */
export interface Page {
  readonly title: string;
  readonly main: import('../html.js').Html;
  /** "fast": refresh on every tick of the event stream (traffic, a canary's progress). */
  readonly live?: 'fast';
}
