// The CLI loads only the command module that owns the first word of argv (src/cli/command-groups.ts):
// the table must name, for every command any module declares, the module that declares it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allCommands, COMMAND_GROUPS, FIRST_WORDS } from '../../src/cli/command-groups.js';
import { GLOBAL_OPTIONS } from '../../src/cli/command-spec.js';

test('every command is found through the module its first word names, and every first word is used', async () => {
  const all = await allCommands();
  assert.ok(all.length > 30, `only ${all.length} commands`);
  const used = new Set<string>();
  for (const command of all) {
    const word = command.name.split(' ')[0] ?? '';
    const group = FIRST_WORDS[word];
    assert.ok(group, `no module named for "${word}" (command "${command.name}"): add it to FIRST_WORDS`);
    const own = await COMMAND_GROUPS[group]();
    assert.ok(own.some((c) => c.name === command.name), `"${command.name}" is not declared by the ${group} module`);
    used.add(word);
  }
  assert.deepEqual(Object.keys(FIRST_WORDS).filter((w) => !used.has(w)), [], 'first words that no command has');
  const names = all.map((c) => c.name);
  assert.equal(new Set(names).size, names.length, 'two commands share a name');
});

test('no command declares an option named like a global one (import compose once took --host, the global SSH server option)', async () => {
  const globals = new Set(GLOBAL_OPTIONS.map((o) => o.name));
  const clashes = (await allCommands()).flatMap((c) => c.options.filter((o) => globals.has(o.name)).map((o) => `${c.name} --${o.name}`));
  assert.deepEqual(clashes, []);
});
