// Validates Kubernetes manifests offline against the API types generated from the Kubernetes
// OpenAPI spec (the kubernetes-types package), using the TypeScript compiler as the checker:
// an unknown field fails (excess property check), so do a missing required field and a wrong
// type. Every object also needs a known apiVersion/kind and a metadata.name.
//
//   node scripts/validate-k8s.js rendered.yaml [more.yaml ...]
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node scripts/validate-k8s.js manifest.yaml [...]');
  process.exit(2);
}

// kubernetes-types lays its modules out as <group>/<version>: apps/v1, networking/v1, core/v1.
function typesModule(apiVersion) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  return `kubernetes-types/${group.replace(/\.k8s\.io$/, '').split('.')[0]}/${version}.js`;
}

const problems = [];
const sources = new Map(); // virtual file -> { label, text }
for (const file of files) {
  parseAllDocuments(readFileSync(file, 'utf8')).forEach((doc, index) => {
    const where = `${file} document ${index + 1}`;
    if (doc.errors.length > 0) return problems.push(`${where}: ${doc.errors[0].message}`);
    const object = doc.toJS();
    if (object === null || object === undefined) return;
    const { apiVersion, kind, metadata } = object;
    if (typeof apiVersion !== 'string' || !/^[A-Z][A-Za-z]+$/.test(String(kind))) {
      return problems.push(`${where}: needs apiVersion and kind`);
    }
    const label = `${basename(file)}: ${kind}/${metadata?.name ?? '?'}`;
    if (typeof metadata?.name !== 'string' || metadata.name === '') {
      problems.push(`${label}: metadata.name is required`);
    }
    // A path under the repository, never written: module resolution finds node_modules from it.
    const path = join(root, '.validate-k8s', `${sources.size}-${kind}.ts`);
    const text =
      `import type { ${kind} } from '${typesModule(apiVersion)}';\n` +
      `export const manifest: ${kind} = ${JSON.stringify(object, null, 2)};\n`;
    sources.set(path, { label, text });
  });
}

const options = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  types: [],
  skipLibCheck: true,
};
const host = ts.createCompilerHost(options);
const { fileExists, readFile, getSourceFile } = host;
host.fileExists = (name) => sources.has(name) || fileExists.call(host, name);
host.readFile = (name) => sources.get(name)?.text ?? readFile.call(host, name);
host.getSourceFile = (name, language, ...rest) =>
  sources.has(name)
    ? ts.createSourceFile(name, sources.get(name).text, language)
    : getSourceFile.call(host, name, language, ...rest);

const program = ts.createProgram([...sources.keys()], options, host);
for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
  const source = diagnostic.file && sources.get(diagnostic.file.fileName);
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n    ');
  if (!source) {
    problems.push(message);
    continue;
  }
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
  const at = source.text.split('\n')[line].trim();
  problems.push(`${source.label}: ${message}\n    at ${at}`);
}

if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`\n${problems.length} problem(s) in ${sources.size} objects`);
  process.exit(1);
}
console.log(`${sources.size} objects valid against the Kubernetes API types`);
