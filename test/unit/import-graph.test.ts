/**
 * The layers stay easy to see: no import circle anywhere in src/ (type-only imports and re-exports
 * included). The graph is read from the files' relative `from '…'` specifiers.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

const sourcesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return path.endsWith('.ts') ? [path] : [];
  });

/** The relative imports of each file, resolved to files. */
const graphOf = (files: readonly string[], read: (file: string) => string): Map<string, string[]> =>
  new Map(
    files.map((file) => [
      file,
      [...read(file).matchAll(/from '(\.{1,2}\/[^']*)'/g)].flatMap((m) => {
        const base = resolve(dirname(file), m[1] ?? '');
        return [`${base}.ts`, join(base, 'index.ts')].filter((c) => files.includes(c)).slice(0, 1);
      }),
    ]),
  );

/** Every circle the graph has, each as the files around it. */
const circlesOf = (graph: ReadonlyMap<string, readonly string[]>): string[][] => {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const found: string[][] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (state.get(next) === undefined) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (state.get(file) === undefined) visit(file);
  return found;
};

test('the circle finder sees a circle through type-only imports and re-exports', () => {
  const files = ['/x/a.ts', '/x/b.ts', '/x/c.ts', '/x/d/index.ts'];
  const text: Record<string, string> = {
    '/x/a.ts': "import type { B } from './b';",
    '/x/b.ts': "export { C } from './c';",
    '/x/c.ts': "import { a } from './a';\nimport { d } from './d';",
    '/x/d/index.ts': "import { x } from 'external';",
  };
  expect(circlesOf(graphOf(files, (f) => text[f] ?? ''))).toEqual([
    ['/x/a.ts', '/x/b.ts', '/x/c.ts', '/x/a.ts'],
  ]);
});

test('src/ has no import circle', () => {
  const files = sourcesUnder(join(ROOT, 'src'));
  expect(files.length).toBeGreaterThan(50);
  const circles = circlesOf(graphOf(files, (f) => readFileSync(f, 'utf8'))).map((c) =>
    c.map((f) => relative(ROOT, f)).join(' -> '),
  );
  expect(circles).toEqual([]);
});
