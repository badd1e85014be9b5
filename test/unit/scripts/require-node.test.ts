import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');
const CHECK = join(ROOT, 'scripts/require-node.cjs');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  scripts: Record<string, string>;
};
const floor = pkg.engines.node.replace(/^>=\s*/, '');
const dir = mkdtempSync(join(tmpdir(), 'require-node-'));

/** Runs the check under this Node, with process.version reporting `version`. */
const checkAs = (version: string) => {
  const preload = join(dir, `${version}.cjs`);
  writeFileSync(
    preload,
    `Object.defineProperty(process, 'version', { value: ${JSON.stringify(version)} });\n`,
  );
  return spawnSync(process.execPath, ['--require', preload, CHECK], { encoding: 'utf8' });
};

test('the floor is Node 22 or newer', () => {
  expect(Number(floor.split('.')[0])).toBeGreaterThanOrEqual(22);
});

test.each(['v20.20.2', 'v18.0.0', `v${floor.replace(/\.(\d+)$/, (_, p: string) => `.${Number(p) - 1}`)}`])(
  'Node %s: exit 1 with one line naming the version found, the one needed and how to get it',
  (version) => {
    const run = checkAs(version);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Node ${version} `);
    expect(lines[0]).toContain(`>= ${floor}`);
    expect(lines[0]).toContain('nvm install 22');
  },
);

test.each([`v${floor}`, 'v22.99.0', 'v24.0.0', 'v100.1.2', process.version])(
  'Node %s: passes silently',
  (version) => {
    const run = checkAs(version);
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({
      status: 0,
      stdout: '',
      stderr: '',
    });
  },
);

test('every npm script checks the running Node first', () => {
  const unchecked = Object.entries(pkg.scripts).filter(
    ([, command]) => !command.startsWith('node scripts/require-node.cjs && '),
  );
  expect(unchecked).toEqual([]);
});
