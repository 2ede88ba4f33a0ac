import { basename } from 'node:path';

/** A project name: lower-case letters, digits and "-", starting with a letter (like a service name). */
export const PROJECT_NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * The project a config file belongs to when it has no `project:` key: its folder's name, made
 * into a project name ("My App" → "my-app"); "app" when nothing usable is left.
 */
export function projectNameOfDir(dir: string): string {
  const name = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return PROJECT_NAME_PATTERN.test(name) ? name : 'app';
}
