/** `slipway init` for Ruby: a Rack app (config.ru, Rails included) under Puma, or a plain script; Bundler when a Gemfile exists. */
import { readdir } from 'node:fs/promises';
import { firstExisting, readText, type AppGuess } from './init-guess.js';

const PORT_HINT = "start it with `puma -b tcp://127.0.0.1:$PORT` (a Rack app), or read it in the code: `Integer(ENV.fetch('PORT'))`, bound to 127.0.0.1.";

export async function detectRuby(root: string): Promise<AppGuess | undefined> {
  const gemfile = await readText(root, 'Gemfile');
  const rackup = await firstExisting(root, ['config.ru']);
  const script = rackup ? undefined : await firstRubyFile(root);
  if (gemfile === undefined && !rackup && !script) return undefined;
  const notes: string[] = [];
  const exec = gemfile !== undefined ? 'bundle exec ' : '';
  const env: Record<string, string> = { RACK_ENV: 'production' };
  if (gemfile !== undefined && /^\s*gem\s+['"]rails['"]/m.test(gemfile)) env['RAILS_ENV'] = 'production';
  let run: string;
  if (rackup) {
    if (gemfile !== undefined && !/^\s*gem\s+['"]puma['"]/m.test(gemfile)) notes.push('puma is not in the Gemfile: add it (`gem "puma"`), it serves the Rack app.');
    run = `${exec}puma -b tcp://127.0.0.1:$PORT ${rackup}`;
  } else {
    if (!script) notes.push('No config.ru or Ruby file found: edit `run:` to the command that starts your server.');
    run = `${exec}ruby ${script ?? 'app.rb'}`;
  }
  return { kind: 'ruby', run, build: gemfile !== undefined ? 'bundle install' : undefined, env, notes, commandReadsPort: rackup !== undefined, portHint: PORT_HINT };
}

async function firstRubyFile(root: string): Promise<string | undefined> {
  const preferred = await firstExisting(root, ['app.rb', 'server.rb', 'main.rb']);
  if (preferred) return preferred;
  const names = await readdir(root).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.rb')).sort()[0];
}
