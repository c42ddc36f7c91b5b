// @ts-check
/**
 * The dependency graph, enforced. The graph itself is declared where npm reads it: each
 * workspace's package.json lists the @mc/* packages it uses (bench/, scripts/ and tests/ use the
 * root package.json). This rule fails an import that
 *
 * - names an @mc/* package its workspace does not declare;
 * - reaches into a package (`@mc/x/src/...`): only what a package exports is public;
 * - goes from a package to an app, or from one app to another;
 * - brings test support (@mc/testing, an app's `/testing` entry) into an app's or package's src/;
 * - leaves its workspace by a relative path (`../../packages/...`).
 */
const { existsSync, readFileSync } = require('node:fs');
const path = require('node:path');

const APPS = new Set(['@mc/execution', '@mc/control']);
const manifests = new Map();

function manifest(dir) {
  if (!manifests.has(dir)) manifests.set(dir, JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')));
  return manifests.get(dir);
}

/** The workspace a file belongs to: apps/<x> or packages/<x>, else the root (bench, scripts, tests). */
function workspaceOf(root, filename) {
  const relative = path.relative(root, filename).split(path.sep);
  if ((relative[0] === 'apps' || relative[0] === 'packages') && relative.length > 2 && existsSync(path.join(root, relative[0], relative[1], 'package.json'))) {
    const dir = path.join(root, relative[0], relative[1]);
    return { dir, name: manifest(dir).name, kind: relative[0], inSrc: relative[2] === 'src', top: relative[0] };
  }
  return { dir: root, name: manifest(root).name, kind: 'root', inSrc: false, top: relative[0] };
}

function declared(workspace) {
  const pkg = manifest(workspace.dir);
  return { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies };
}

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: { type: 'problem', schema: [], docs: { description: 'imports follow the declared workspace graph' } },
  create(context) {
    const root = context.cwd;
    const workspace = workspaceOf(root, context.filename);
    function check(node, source) {
      if (typeof source !== 'string') return;
      const report = (message) => context.report({ node, message });
      if (source.startsWith('.')) {
        const target = path.resolve(path.dirname(context.filename), source);
        const inside = workspace.kind === 'root' ? workspaceOf(root, target).kind === 'root' && workspaceOf(root, target).top === workspace.top : target.startsWith(workspace.dir + path.sep);
        if (!inside) report(`"${source}" leaves ${workspace.kind === 'root' ? `${workspace.top}/` : workspace.name} by a relative path: import the package by its name.`);
        return;
      }
      const match = /^(@mc\/[^/]+)(?:\/(.*))?$/.exec(source);
      if (!match) return;
      const [, name, subpath] = match;
      if (name === workspace.name && workspace.kind !== 'root') return report(`${workspace.name} imports itself by name: use a relative path.`);
      const publicSubpath = APPS.has(name) && subpath === 'testing';
      if (subpath !== undefined && !publicSubpath) report(`"${source}" reaches into ${name}: import what ${name} exports.`);
      if (workspace.kind === 'packages' && APPS.has(name)) report(`${workspace.name} is a package and imports the app ${name}: packages never depend on apps.`);
      if (workspace.kind === 'apps' && APPS.has(name)) report(`${workspace.name} imports the app ${name}: apps never import each other (a test of both belongs in tests/).`);
      if (workspace.inSrc && (name === '@mc/testing' || subpath === 'testing')) report(`${workspace.name}/src imports test support (${source}).`);
      if (!(name in declared(workspace))) report(`${name} is not declared in ${path.relative(root, path.join(workspace.dir, 'package.json'))}.`);
    }
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

module.exports = { rules: { 'workspace-boundaries': rule } };
