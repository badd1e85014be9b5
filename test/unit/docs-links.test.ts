/**
 * Every relative link of README.md and docs/*.md points at a file that exists, and a link with a
 * `#anchor` into a markdown file names one of its headings, by GitHub's slug rule. References to
 * `docs/<page>.md#<anchor>` from code and configuration (the alarms' runbook links in
 * serverless.yml, comments) are held to the same rule.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '../..');

/** GitHub's heading anchor: lowercase, punctuation and symbols dropped (not `-`), each space a `-`. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');

/** The text GitHub renders for a heading's markdown: link texts, no code or emphasis markers. */
const headingText = (markdown: string): string =>
  markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`/g, '')
    .replace(/\*+/g, '');

/** Lines outside fenced code blocks. */
const proseLines = (markdown: string): string[] => {
  let fence: string | undefined;
  const lines: string[] = [];
  for (const line of markdown.split('\n')) {
    const opening = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && opening !== undefined) fence = opening;
    else if (fence !== undefined && line.trim().startsWith(fence)) fence = undefined;
    else if (fence === undefined) lines.push(line);
  }
  return lines;
};

/** The anchors of a markdown document's headings, duplicates numbered `-1`, `-2` as GitHub does. */
const anchorsOf = (markdown: string): Set<string> => {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of proseLines(markdown)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = slug(headingText(heading));
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
};

/** The targets of a document's links and images (inline and reference definitions), code excluded. */
const linkTargets = (markdown: string): string[] =>
  proseLines(markdown).flatMap((line) => {
    const prose = line.replace(/(`+)[^`]*?\1/g, '');
    const inline = [...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
      (m) => m[1],
    );
    const definition = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(prose)?.[1];
    return [...inline, ...(definition === undefined ? [] : [definition])].filter(
      (t): t is string => t !== undefined,
    );
  });

const isExternal = (target: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(target);

/** What is wrong with one relative target, seen from the file `from`; undefined when it resolves. */
const problemOf = (from: string, target: string, read = (f: string) => readFileSync(f, 'utf8')) => {
  const hash = target.indexOf('#');
  const path = hash === -1 ? target : target.slice(0, hash);
  const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const file = path === '' ? from : resolve(dirname(from), decodeURIComponent(path));
  if (!existsSync(file)) return `${target}: no file ${relative(ROOT, file)}`;
  if (anchor === undefined || anchor === '' || !file.endsWith('.md') || statSync(file).isDirectory())
    return undefined;
  return anchorsOf(read(file)).has(anchor)
    ? undefined
    : `${target}: ${relative(ROOT, file)} has no heading with the anchor #${anchor}`;
};

const problemsIn = (file: string, markdown: string): string[] =>
  linkTargets(markdown)
    .filter((t) => !isExternal(t))
    .flatMap((t) => {
      const problem = problemOf(file, t);
      return problem === undefined ? [] : [`${relative(ROOT, file)}: ${problem}`];
    });

const docs = [
  join(ROOT, 'README.md'),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(ROOT, 'docs', f)),
];

describe('GitHub heading slugs', () => {
  test.each([
    ['Persistence, and what a stop can lose', 'persistence-and-what-a-stop-can-lose'],
    ["Each command's writes", 'each-commands-writes'],
    ['The floor: Node ≥ 22.22.2', 'the-floor-node--22222'],
    ['`npm run test:localstack`', 'npm-run-testlocalstack'],
    ['events/ — the project’s scenario', 'events--the-projects-scenario'],
    ['Memory size of the message handler: 512 MB', 'memory-size-of-the-message-handler-512-mb'],
    ['snake_case and **bold**', 'snake_case-and-bold'],
  ])('%s -> %s', (heading, anchor) => {
    expect(slug(headingText(heading))).toBe(anchor);
  });

  test('a repeated heading gets -1, -2; headings inside code fences do not count', () => {
    const anchors = anchorsOf('# A\n## Setup\n```bash\n# not a heading\n```\n## Setup\n### Setup ##\n');
    expect([...anchors]).toEqual(['a', 'setup', 'setup-1', 'setup-2']);
  });
});

describe('the checker', () => {
  const page = join(ROOT, 'docs', 'cli.md');

  test('finds links and images, not code, not external ones', () => {
    const markdown = [
      'See [a](a.md), ![img](img/x.png "title") and [b](<b.md#c>) `[no](code.md)`.',
      '[ref]: ref.md',
      '```',
      '[no](fenced.md)',
      '```',
      '[web](https://example.com) [mail](mailto:x@example.com)',
    ].join('\n');
    const targets = linkTargets(markdown);
    expect(targets).toEqual([
      'a.md',
      'img/x.png',
      'b.md#c',
      'ref.md',
      'https://example.com',
      'mailto:x@example.com',
    ]);
    expect(targets.filter((t) => !isExternal(t))).toEqual(['a.md', 'img/x.png', 'b.md#c', 'ref.md']);
  });

  test('reports a missing file, a missing anchor, and accepts what resolves', () => {
    expect(problemOf(page, 'no-such-page.md')).toMatch(/no file docs\/no-such-page\.md/);
    expect(problemOf(page, 'operations.md#no-such-heading')).toMatch(/has no heading with the anchor/);
    expect(problemOf(page, '#no-such-heading')).toMatch(/docs\/cli\.md has no heading/);
    expect(problemOf(page, '../README.md#architecture')).toBeUndefined();
    expect(problemOf(page, '#exit-codes')).toBeUndefined();
    expect(problemsIn(page, 'a [broken](nowhere.md) link')).toHaveLength(1);
  });
});

describe.each(docs.map((f) => [relative(ROOT, f), f] as const))('%s', (_name, file) => {
  test('every relative link and image resolves, anchors included', () => {
    expect(problemsIn(file, readFileSync(file, 'utf8'))).toEqual([]);
  });
});

/** Files outside the docs that name a docs page (comments, the alarms' runbook links). */
const codeFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : codeFiles(path);
    return /\.(ts|js|cjs|mjs|json|ya?ml)$/.test(entry.name) && path !== __filename ? [path] : [];
  });

test('every docs/<page>.md#<anchor> named in code and configuration resolves', () => {
  const files = [
    ...['src', 'scripts', 'test', 'serverless', '.github'].flatMap((d) => codeFiles(join(ROOT, d))),
    ...['serverless.yml', 'docker-compose.yml', 'jest.config.js', '.ci/run'].map((f) => join(ROOT, f)),
  ];
  const references = files.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/\bdocs\/[a-z0-9-]+\.md(?:#[a-z0-9_-]+)?/g)].map((m) => ({
      file,
      target: m[0],
    })),
  );
  expect(references.some((r) => r.target.startsWith('docs/operations.md#'))).toBe(true);
  const problems = references.flatMap(({ file, target }) => {
    const problem = problemOf(join(ROOT, 'README.md'), target);
    return problem === undefined ? [] : [`${relative(ROOT, file)}: ${problem}`];
  });
  expect(problems).toEqual([]);
});
