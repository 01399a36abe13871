/** src/toolkit/commands.ts: command queries over the shell model's words. */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { initShellParser, parseShell } from '../src/model/shell.js';
import type { Word } from '../src/model/types.js';
import { scriptArgument, scriptFile, subcommand, wrappedCommand } from '../src/toolkit/commands.js';

beforeAll(() => initShellParser());

function cmd(text: string): { name: Word; args: Word[] } {
  const c = parseShell({ text, segments: [{ from: 0, sourceStart: 0, length: text.length }] })
    .commands[0]!;
  return { name: c.name!, args: c.args };
}
const values = (ws: Word[] | null) => ws?.map((w) => w.value) ?? null;

describe('wrappedCommand', () => {
  test.each([
    ['env DEBIAN_FRONTEND=noninteractive apt-get install -y x', ['apt-get', 'install', '-y', 'x']],
    ['env -u HOME -i apt-get update', ['apt-get', 'update']],
    ['timeout -s KILL 600 apt-get install x', ['apt-get', 'install', 'x']],
    ['nice -n 10 pip install x', ['pip', 'install', 'x']],
    ['xargs -a /tmp/apt.txt apt-get install -y', ['apt-get', 'install', '-y']],
    ['command apt-get install x', ['apt-get', 'install', 'x']],
    ['sudo -u root apt-get install x', ['apt-get', 'install', 'x']],
    ['nohup ./run.sh', ['./run.sh']],
  ])('%s', (text, expected) => {
    const c = cmd(text);
    expect(values(wrappedCommand(c.name.value!, c.args))).toEqual(expected);
  });
  test('not a wrapper, or no command', () => {
    expect(wrappedCommand('apt-get', cmd('apt-get install x').args)).toBeNull();
    expect(wrappedCommand('env', cmd('env').args)).toBeNull();
    expect(wrappedCommand('eval', cmd('eval "apt-get update"').args)).toBeNull();
  });
});

describe('scriptArgument', () => {
  test('sh -c, bash -ec, eval, su -c', () => {
    expect(scriptArgument('sh', cmd("sh -c 'apt-get update'").args)).toEqual({
      script: 'apt-get update',
      unknown: false,
    });
    expect(scriptArgument('bash', cmd('bash -ec "a && b"').args)?.script).toBe('a && b');
    expect(scriptArgument('eval', cmd('eval "apt-get install" x').args)?.script).toBe(
      'apt-get install x',
    );
    expect(scriptArgument('su', cmd("su -c 'apt-get install x' root").args)?.script).toBe(
      'apt-get install x',
    );
  });
  test('a variable script is unknown; a script file is none', () => {
    expect(scriptArgument('sh', cmd('sh -c "$SCRIPT"').args)).toEqual({
      script: null,
      unknown: true,
    });
    expect(scriptArgument('sh', cmd('sh ./x.sh').args)).toBeNull();
  });
});

describe('scriptFile', () => {
  test.each([
    ['sh /tmp/setup.sh', '/tmp/setup.sh'],
    ['bash -e ./install.sh arg', './install.sh'],
    ['./install.sh', './install.sh'],
    ['install-deps.sh', 'install-deps.sh'],
    ['. ./env.sh', './env.sh'],
    ['/usr/local/bin/setup', '/usr/local/bin/setup'],
  ])('%s', (text, expected) => {
    const c = cmd(text);
    expect(scriptFile(c.name, c.args)?.value).toBe(expected);
  });
  test('no script file', () => {
    for (const text of ['apt-get install x', "sh -c 'echo'", 'make build']) {
      const c = cmd(text);
      expect(scriptFile(c.name, c.args)).toBeNull();
    }
  });
});

test('subcommand skips option values and gives up on a variable', () => {
  const opts = new Set(['-o']);
  expect(subcommand(cmd('apt-get -o A=1 install x').args, opts)?.value).toBe('install');
  expect(subcommand(cmd('apt-get -q').args, opts)).toBeNull();
  expect(subcommand(cmd('apt-get $CMD x').args, opts)).toBeUndefined();
});
