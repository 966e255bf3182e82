'use strict';
/**
 * Stand-ins for Pacemaker's attrd_updater and crm_attribute, so agents run without a cluster
 * (demo, benchmarks, tests). State lives in the JSON file named by NOVA_HA_STANDIN_ATTRS:
 *   { "attrd": { NAME: { NODE: VALUE } }, "attrdPrivate": { NAME: true },
 *     "nodes": { NODE: { NAME: VALUE } }, "crm_config": { NAME: VALUE } }
 * A node is known to the "CIB" when it is a key of `nodes`. Writers take a directory lock
 * (mkdir is atomic) and replace the file by rename, so concurrent agents never lose an update.
 * Outputs and exit codes copy Pacemaker 2.1.5 (see the lab notes): 78 for a missing attrd
 * attribute, 105 for a missing CIB attribute or an unknown node.
 * Plain CommonJS, no dependencies: it starts in a few tens of milliseconds.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const API_VERSION = '2.25';
const EXIT_NO_SUCH_ATTRIBUTE = 78;
const EXIT_NO_SUCH_OBJECT = 105;
const EXIT_USAGE = 64;
const LOCK_STALE_MS = 10_000;
const LOCK_GIVE_UP_MS = 30_000;

function storePath() {
  const file = process.env.NOVA_HA_STANDIN_ATTRS;
  if (!file) throw new Usage('NOVA_HA_STANDIN_ATTRS is not set (the stand-in needs its JSON file)');
  return file;
}

class Usage extends Error {}

function emptyStore() {
  return { attrd: {}, attrdPrivate: {}, nodes: {}, crm_config: {} };
}

function readStore(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return emptyStore();
    throw error;
  }
  const data = text.trim() === '' ? {} : JSON.parse(text);
  return { ...emptyStore(), ...data };
}

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Run `change(store)` under the lock and write the result atomically. */
function updateStore(change) {
  const file = storePath();
  const lock = `${file}.lock`;
  const started = Date.now();
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      try {
        // A writer killed inside its critical section leaves the lock behind: reclaim it.
        if (Date.now() - fs.statSync(lock).mtimeMs > LOCK_STALE_MS) fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        /* gone meanwhile */
      }
      if (Date.now() - started > LOCK_GIVE_UP_MS) throw new Error(`could not lock ${file}`);
      sleepMs(5 + Math.floor(Math.random() * 10));
    }
  }
  try {
    const store = readStore(file);
    const result = change(store);
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(store, null, 1));
    fs.renameSync(temporary, file);
    return result;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function xmlEscape(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function xmlResult(tool, argv, body, code, message, errors = []) {
  const lines = [`<pacemaker-result api-version="${API_VERSION}" request="${xmlEscape([tool, ...argv].join(' '))}">`];
  for (const line of body) lines.push(`  ${line}`);
  if (errors.length === 0) {
    lines.push(`  <status code="${code}" message="${xmlEscape(message)}"/>`);
  } else {
    lines.push(`  <status code="${code}" message="${xmlEscape(message)}">`, '    <errors>');
    for (const error of errors) lines.push(`      <error>${xmlEscape(error)}</error>`);
    lines.push('    </errors>', '  </status>');
  }
  lines.push('</pacemaker-result>');
  return lines.join('\n') + '\n';
}

/** Splits `--opt=value`, `--opt value`, `-o value` and `-ovalue` into a flat option list. */
function parseArgs(argv, spec) {
  const options = { order: [] };
  for (let index = 0; index < argv.length; index += 1) {
    let arg = argv[index];
    let inline;
    if (arg.startsWith('--') && arg.includes('=')) {
      inline = arg.slice(arg.indexOf('=') + 1);
      arg = arg.slice(0, arg.indexOf('='));
    } else if (/^-[A-Za-z]./.test(arg) && !arg.startsWith('--')) {
      inline = arg.slice(2);
      arg = arg.slice(0, 2);
    }
    const key = spec[arg];
    if (key === undefined) throw new Usage(`unrecognized option '${arg}'`);
    const [name, takesValue] = key;
    let value = true;
    if (takesValue) {
      value = inline ?? argv[++index];
      if (value === undefined) throw new Usage(`missing argument for ${arg}`);
    } else if (inline !== undefined && arg.startsWith('-') && !arg.startsWith('--')) {
      // Bundled short flags such as -QA: re-queue the rest as its own flag group.
      argv.splice(index + 1, 0, `-${inline}`);
    }
    options[name] = value;
    options.order.push(name);
  }
  return options;
}

function localNode() {
  return process.env.OCF_RESKEY_CRM_meta_on_node || process.env.NOVA_HA_STANDIN_NODE || os.hostname();
}

const ATTRD_SPEC = {
  '-n': ['name', true], '--name': ['name', true],
  '-N': ['node', true], '--node': ['node', true],
  '-U': ['update', true], '--update': ['update', true], '-v': ['update', true],
  '-Q': ['query', false], '--query': ['query', false],
  '-D': ['delete', false], '--delete': ['delete', false],
  '-A': ['all', false], '--all': ['all', false],
  '-p': ['private', false], '--private': ['private', false],
  '-d': ['delay', true], '--delay': ['delay', true],
  '-l': ['lifetime', true], '--lifetime': ['lifetime', true],
  '-s': ['set', true], '--set': ['set', true],
  '-q': ['quiet', false], '--quiet': ['quiet', false],
  '--output-as': ['outputAs', true],
};

function attrdUpdater(argv) {
  const tool = 'attrd_updater';
  const options = parseArgs([...argv], ATTRD_SPEC);
  const xml = options.outputAs === 'xml';
  if (!options.name) throw new Usage('--name must be specified');
  // The last command given wins, as in the real tool; query is the default.
  const commands = options.order.filter((key) => key === 'update' || key === 'query' || key === 'delete');
  const command = commands[commands.length - 1] ?? 'query';
  const name = options.name;

  if (command === 'update' || command === 'delete') {
    const node = options.node ?? localNode();
    updateStore((store) => {
      const values = (store.attrd[name] ??= {});
      // attrd_updater -D only empties the value; the attribute stays.
      values[node] = command === 'update' ? String(options.update) : '';
      if (options.private && store.attrdPrivate[name] === undefined) store.attrdPrivate[name] = true;
    });
    if (xml) return { stdout: xmlResult(tool, argv, [], 0, 'OK'), code: 0 };
    return { stdout: '', code: 0 };
  }

  const store = readStore(storePath());
  const values = store.attrd[name];
  if (values === undefined) {
    const error = `${tool}: Could not query value of ${name}: attribute does not exist`;
    if (xml) return { stdout: xmlResult(tool, argv, [], EXIT_NO_SUCH_ATTRIBUTE, 'Invalid configuration', [error]), code: EXIT_NO_SUCH_ATTRIBUTE };
    return { stderr: `${error}\n`, code: EXIT_NO_SUCH_ATTRIBUTE };
  }
  let entries;
  if (options.all || (!options.node && !process.env.OCF_RESKEY_CRM_meta_on_node)) {
    entries = Object.entries(values);
  } else {
    const node = options.node ?? localNode();
    entries = [[node, values[node] ?? '']];
  }
  if (xml) {
    const body = entries.map(([host, value]) => `<attribute name="${xmlEscape(name)}" value="${xmlEscape(value)}" host="${xmlEscape(host)}"/>`);
    return { stdout: xmlResult(tool, argv, body, 0, 'OK'), code: 0 };
  }
  return { stdout: entries.map(([host, value]) => `name="${name}" host="${host}" value="${value}"\n`).join(''), code: 0 };
}

const CRM_SPEC = {
  '-n': ['name', true], '--name': ['name', true],
  '-N': ['node', true], '--node': ['node', true],
  '-G': ['query', false], '--query': ['query', false],
  '-v': ['update', true], '--update': ['update', true],
  '-D': ['delete', false], '--delete': ['delete', false],
  '-t': ['type', true], '--type': ['type', true],
  '-l': ['lifetime', true], '--lifetime': ['lifetime', true],
  '-q': ['quiet', false], '--quiet': ['quiet', false],
  '-d': ['default', true], '--default': ['default', true],
  '--output-as': ['outputAs', true],
};

/** Which section an invocation addresses, as crm_attribute decides it. */
function crmScope(options) {
  if (options.type === 'status' || options.lifetime === 'reboot') return 'status';
  if (options.type && options.type !== 'nodes' && options.type !== 'forever') return options.type;
  if (options.node || options.type === 'nodes' || options.lifetime === 'forever') return 'nodes';
  return 'crm_config';
}

function crmAttribute(argv) {
  const tool = 'crm_attribute';
  const options = parseArgs([...argv], CRM_SPEC);
  const xml = options.outputAs === 'xml';
  if (!options.name) throw new Usage('no attribute name given (-n)');
  const name = options.name;
  const scope = crmScope(options);
  const fail = (code, message, error) =>
    xml
      ? { stdout: xmlResult(tool, argv, [], code, message, [`${tool}: ${error}`]), code }
      : { stderr: `${tool}: ${error}\n`, code };
  const unknownNode = (node) => fail(EXIT_NO_SUCH_OBJECT, 'No such object', `Could not map name=${node} to a UUID`);
  const noSuch = () => fail(EXIT_NO_SUCH_OBJECT, 'No such object', 'Error performing operation: No such device or address');
  const node = scope === 'nodes' || scope === 'status' ? options.node ?? localNode() : undefined;
  const commands = options.order.filter((key) => key === 'update' || key === 'query' || key === 'delete');
  const command = commands[commands.length - 1] ?? 'query';

  if (scope !== 'nodes' && scope !== 'status' && scope !== 'crm_config') {
    throw new Usage(`the stand-in does not model --type ${scope}`);
  }

  if (command === 'update' || command === 'delete') {
    const outcome = updateStore((store) => {
      if (scope === 'crm_config') {
        const existed = name in store.crm_config;
        if (command === 'update') store.crm_config[name] = String(options.update);
        else delete store.crm_config[name];
        return { existed };
      }
      if (!(node in store.nodes)) return { unknown: true };
      if (scope === 'status') {
        const values = (store.attrd[name] ??= {});
        const existed = values[node] !== undefined;
        if (command === 'update') values[node] = String(options.update);
        else delete values[node];
        return { existed };
      }
      const attributes = store.nodes[node];
      const existed = name in attributes;
      if (command === 'update') attributes[name] = String(options.update);
      else delete attributes[name];
      return { existed };
    });
    if (outcome.unknown) return unknownNode(node);
    if (command === 'delete' && outcome.existed) {
      const id = scope === 'crm_config' ? `cib-bootstrap-options-${name}` : `${scope}-${node}-${name}`;
      const what = scope === 'crm_config' ? 'crm_config option' : `${scope} attribute`;
      if (!xml) return { stdout: `Deleted ${what}: id=${id} name=${name}\n`, code: 0 };
    }
    return xml ? { stdout: xmlResult(tool, argv, [], 0, 'OK'), code: 0 } : { stdout: '', code: 0 };
  }

  const store = readStore(storePath());
  let value;
  if (scope === 'crm_config') {
    value = store.crm_config[name];
  } else {
    if (!(node in store.nodes)) return unknownNode(node);
    // The status section holds attrd's values, except private ones (never written to the CIB).
    value = scope === 'status' ? (store.attrdPrivate[name] ? undefined : store.attrd[name]?.[node]) : store.nodes[node][name];
  }
  if (value === undefined && options.default !== undefined) value = String(options.default);
  if (value === undefined) return noSuch();
  if (xml) {
    const body = [`<attribute name="${xmlEscape(name)}" value="${xmlEscape(value)}" scope="${scope}"/>`];
    return { stdout: xmlResult(tool, argv, body, 0, 'OK'), code: 0 };
  }
  if (options.quiet) return { stdout: `${value}\n`, code: 0 };
  return { stdout: `scope=${scope}  name=${name} value=${value}\n`, code: 0 };
}

function main() {
  const [tool, ...argv] = process.argv.slice(2);
  const implementations = { attrd_updater: attrdUpdater, crm_attribute: crmAttribute };
  let result;
  try {
    const run = implementations[tool];
    if (!run) throw new Usage(`unknown tool ${tool}`);
    result = run(argv);
  } catch (error) {
    if (error instanceof Usage) {
      process.stderr.write(`${tool}: ${error.message}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    process.stderr.write(`${tool}: ${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  if (result.stdout) process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  process.exitCode = result.code;
}

main();
