#!/usr/bin/env node
// Prepares a machine for `npm test` (it runs as the `pretest` script), so that the README's test
// command passes on a fresh machine by itself:
//   1. Debian's Chromium for the dashboard's browser tests: when it is missing, installs it with
//      `apt-get install -y chromium` if this user may (root, or passwordless sudo); otherwise stops
//      with a message that says what to run. FUSIONREC_NO_INSTALL=1 forbids installing anything.
//   2. PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379), which the store and scale-out tests
//      use: started with the machine's own service commands when installed but not answering.
// FUSIONREC_CHROMIUM names another browser binary (the tests use the same variable);
// FUSIONREC_NO_POSTGRES=1 / FUSIONREC_NO_REDIS=1 skip a service (its tests then skip and say so).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { connect } from 'node:net';

const say = (s) => process.stderr.write(`setup-test: ${s}\n`);
const noInstall = process.env.FUSIONREC_NO_INSTALL === '1';

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', ...opts });
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function has(cmd) {
  return run('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** The prefix that runs a command as root: [] when we are root, ['sudo', '-n'] when sudo needs no password. */
function asRoot() {
  if (process.getuid?.() === 0) return [];
  if (has('sudo') && run('sudo', ['-n', 'true']).status === 0) return ['sudo', '-n'];
  return undefined;
}

function ensureChromium() {
  const want = process.env.FUSIONREC_CHROMIUM ?? '/usr/bin/chromium';
  if (executable(want)) return true;
  const how = "apt-get install -y chromium (Debian's package; `npx playwright install` cannot work here)";
  if (process.env.FUSIONREC_CHROMIUM) {
    say(`FUSIONREC_CHROMIUM=${want} is not an executable file`);
    return false;
  }
  if (noInstall) {
    say(`Chromium is missing at ${want} and FUSIONREC_NO_INSTALL=1 forbids installing it; run: ${how}`);
    return false;
  }
  const root = asRoot();
  if (!has('apt-get') || root === undefined) {
    say(`Chromium is missing at ${want}; the browser tests need it. Run as root: ${how}`);
    return false;
  }
  say("installing Debian's chromium with apt-get for the dashboard's browser tests (FUSIONREC_NO_INSTALL=1 to refuse)");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => run(root[0] ?? 'apt-get', [...root.slice(1), ...(root.length ? ['apt-get'] : []), ...args], { env });
  let r = apt(['install', '-y', 'chromium']);
  if (r.status !== 0) {
    apt(['update']);
    r = apt(['install', '-y', 'chromium']);
  }
  if (r.status !== 0 || !executable(want)) {
    say(`could not install chromium (apt-get said: ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' ')}); run: ${how}`);
    return false;
  }
  say(`chromium installed at ${want}`);
  return true;
}

function answers(port) {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

async function ensureService(name, port, start) {
  if (await answers(port)) return true;
  if (noInstall || !start) {
    say(`${name} is not answering on 127.0.0.1:${port}`);
    return false;
  }
  say(`${name} is not answering on 127.0.0.1:${port}; starting it`);
  start();
  for (let k = 0; k < 40; k++) {
    if (await answers(port)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  say(`${name} did not start; the tests that use it will fail`);
  return false;
}

const pgStart = () => {
  if (!existsSync('/etc/postgresql')) return;
  const version = run('sh', ['-c', 'ls /etc/postgresql | head -n1'], { stdio: ['ignore', 'pipe', 'pipe'] }).stdout?.trim();
  if (version) run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
};
const redisStart = () => {
  if (!has('redis-server')) return;
  run('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no']);
};

const ok = [
  ensureChromium(),
  process.env.FUSIONREC_NO_POSTGRES === '1' ||
    (await ensureService('PostgreSQL', 5432, has('pg_ctlcluster') ? pgStart : undefined)),
  process.env.FUSIONREC_NO_REDIS === '1' ||
    (await ensureService('Redis', 6379, has('redis-server') ? redisStart : undefined)),
];
process.exit(ok.every(Boolean) ? 0 : 1);
