/** pip command-line facts shared by the transforms that read `pip install` commands. */

/**
 * pip options that take the next word as their value (`--index-url URL`, `-t DIR`, ...), so a
 * reader of `pip install` arguments skips that word instead of taking it for a requirement.
 * Options that name a requirements-format file (`-r`, `-c`, `-e`, `-f`) are listed too; callers
 * that follow those files test for them first.
 */
export const PIP_VALUE_OPTIONS: ReadonlySet<string> = new Set([
  '-r',
  '--requirement',
  '-c',
  '--constraint',
  '-e',
  '--editable',
  '-i',
  '--index-url',
  '--extra-index-url',
  '-f',
  '--find-links',
  '-t',
  '--target',
  '--prefix',
  '--root',
  '--platform',
  '--python-version',
  '--implementation',
  '--abi',
  '--only-binary',
  '--no-binary',
  '--progress-bar',
  '--src',
  '--cache-dir',
  '--trusted-host',
  '--upgrade-strategy',
  '--exists-action',
  '--timeout',
  '--retries',
  '--log',
  '--proxy',
  '--cert',
  '--client-cert',
  '-C',
  '--config-settings',
  '--global-option',
  '--install-option',
  '--report',
  '--python',
  '-p',
]);
