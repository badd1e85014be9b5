// Runs before every npm script (see package.json): on a Node older than engines.node, one line that
// names the Node found, the one needed and how to get it, then exit 1, before anything else loads.
// Plain CommonJS with no dependencies, so that it runs on any Node that a user may have.
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports, no-undef -- plain CommonJS, on purpose
const { engines } = require('../package.json');

const floor = engines.node.replace(/^>=\s*/, '');
const parse = (version) => version.replace(/^v/, '').split('.').map(Number);
const [found, needed] = [parse(process.version), parse(floor)];
const older = needed.reduce(
  (verdict, part, i) => verdict ?? (found[i] === part ? undefined : found[i] < part),
  undefined,
);

if (older) {
  process.stderr.write(
    `Node ${process.version} is older than this project needs (>= ${floor}): install Node 22 LTS or newer ` +
      `(nvm install 22, or see "Older Node" in docs/runtime.md), then run the command again.\n`,
  );
  process.exit(1);
}
