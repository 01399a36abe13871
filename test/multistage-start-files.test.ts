/**
 * `multistage`: the files a runtime stage needs to start (transforms/multistage/start-files.ts).
 * The end-to-end cases are fixtures (fixtures/multistage/*entrypoint*, *start-script*, *sh-run*);
 * these cases pin down which start-command words name files.
 */
import { describe, expect, test } from '@jest/globals';
import { startPaths } from '../transforms/multistage/start-files.js';

describe('multistage start files: startPaths', () => {
  test.each([
    [['/src/docker-entrypoint.sh'], ['/src/docker-entrypoint.sh'], []],
    [['sh', 'run.sh'], ['run.sh'], ['sh']],
    [['./start.sh'], ['./start.sh'], []],
    [['python', '-u', '/opt/tools/serve.py', 'serve'], ['/opt/tools/serve.py'], ['python']],
    [['python3', '-m', 'http.server'], [], ['python3']],
    [['node', '--require', './otel.js', 'dist/main.js'], ['dist/main.js'], ['node']],
    [['tini', '--', '/entrypoint.sh', 'api'], ['/entrypoint.sh'], []],
    [['gosu', 'app', './bin/server'], ['./bin/server'], []],
    [['sh', '-c', './migrate.sh', '&&', 'exec', './server'], ['./migrate.sh', './server'], ['sh']],
    [
      ['/wait-for-it.sh', 'db:5432', '--', '/app/start.sh'],
      ['/wait-for-it.sh', '/app/start.sh'],
      [],
    ],
    [['gunicorn', '-b', '0.0.0.0:8000', 'app:app'], [], ['gunicorn']],
    [['docker-entrypoint.sh'], [], ['docker-entrypoint.sh']],
  ])('%j names %j (commands %j)', (words, paths, commands) => {
    const got = startPaths(words);
    expect(got.paths).toEqual(paths);
    expect(got.commands).toEqual(commands);
    expect(got.unknown).toBeUndefined();
  });

  test('a program that is a variable cannot be told', () => {
    expect(startPaths(['$APP_START', '--port', '80']).unknown).toBe('$APP_START');
  });

  test('shells, interpreters and scripts need more than a static binary base', () => {
    expect(startPaths(['/app/bin/api', '--listen', ':8080']).interpreted).toBe(false);
    expect(startPaths(['sh', 'run.sh']).interpreted).toBe(true);
    expect(startPaths(['/entrypoint.sh']).interpreted).toBe(true);
    expect(startPaths(['python', 'app.py']).interpreted).toBe(true);
  });
});
