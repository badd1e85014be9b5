// Runs one command (DynamoDB Local's JVM) and ends it when the IPC channel to the Node process that
// forked this guard closes: a graceful stop, a crash or a SIGKILL of that process all close it, so
// the command never outlives the embedded stack. Plain JavaScript: it runs with no loader.
import { spawn } from 'node:child_process';
import { setTimeout } from 'node:timers';

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 5000).unref();
};
process.on('disconnect', stop);
process.on('SIGTERM', stop);
// Ctrl-C goes to the whole foreground process group: the stack decides when to stop (it drains first).
process.on('SIGINT', () => undefined);
child.on('error', (error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(127);
});
child.on('exit', (code) => process.exit(stopping ? 0 : (code ?? 1)));
if (!process.connected) stop();
