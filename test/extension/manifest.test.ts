import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { WORKFLOW_STEPS, TRACK_METHODS } from '../../src-extension/workflow';

const manifest = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const contributes = manifest.contributes;
const EXTRA_COMMANDS = ['refresh', 'selectProject', 'openItem', 'revealItem', 'showEvaluation', 'grabFrames'];

test('the manifest points at the extension bundle and activates on a config.yaml', () => {
  assert.equal(manifest.main, './dist/extension.js');
  assert.ok(manifest.activationEvents.includes('workspaceContains:**/config.yaml'));
  assert.match(fs.readFileSync('esbuild.mjs', 'utf8'), /src-extension\/extension\.ts/);
});

test('one command per workflow step, category Herd, ids herd.<verb><Noun>', () => {
  const ids = contributes.commands.map((command: { command: string }) => command.command);
  assert.deepEqual(ids.sort(), [...WORKFLOW_STEPS.map((step) => `herd.${step.id}`), ...EXTRA_COMMANDS.map((name) => `herd.${name}`)].sort());
  for (const command of contributes.commands) {
    assert.equal(command.category, 'Herd');
    assert.match(command.command, /^herd\.[a-z]+[A-Za-z]*$/);
    const step = WORKFLOW_STEPS.find((candidate) => `herd.${candidate.id}` === command.command);
    if (step) assert.equal(command.title, step.title);
  }
});

test('menus only name contributed commands, and tree menus only the tree\'s context values', () => {
  const ids = new Set(contributes.commands.map((command: { command: string }) => command.command));
  const kinds = ['section', 'video', 'missingVideo', 'labeledFolder', 'checkedLabels', 'iteration', 'dataset', 'shuffle', 'model', 'snapshot', 'evaluation', 'analyzedVideo', 'output', 'refinedTable', 'file', 'message'];
  const sections = ['videos', 'labeled', 'datasets', 'models', 'evaluation', 'analyzed'];
  const contexts = new Set([...kinds.map((kind) => `herd.${kind}`), ...sections.map((id) => `herd.section.${id}`)]);
  for (const [where, items] of Object.entries(contributes.menus) as Array<[string, Array<{ command: string; when?: string }>]>) {
    for (const item of items) {
      assert.ok(ids.has(item.command), `${where}: ${item.command}`);
      for (const match of item.when?.matchAll(/viewItem == ([\w.]+)/g) ?? []) assert.ok(contexts.has(match[1]!), `${where}: ${match[1]}`);
    }
  }
  assert.equal(contributes.views.herd[0].id, 'herd.project');
  assert.equal(contributes.views.herd[0].name, 'Herd project');
  assert.ok(fs.existsSync(contributes.viewsContainers.activitybar[0].icon));
});

test('settings are prefixed herd., documented, and the tracker enum is DeepLabCut\'s', () => {
  const properties = contributes.configuration.properties;
  assert.deepEqual(Object.keys(properties).sort(), ['herd.autoTrack', 'herd.defaultShuffle', 'herd.defaultTrackMethod', 'herd.device', 'herd.ffmpegPath']);
  for (const [key, value] of Object.entries(properties) as Array<[string, { markdownDescription?: string; description?: string }]>) {
    assert.ok((value.markdownDescription ?? value.description ?? '').length > 20, key);
  }
  assert.deepEqual([...properties['herd.defaultTrackMethod'].enum].sort(), Object.keys(TRACK_METHODS).sort());
  const settingsSource = fs.readFileSync('src-extension/settings.ts', 'utf8');
  for (const key of Object.keys(properties)) assert.ok(settingsSource.includes(`'${key.slice('herd.'.length)}'`), `${key} is read in settings.ts`);
});

test('task definition and problem matcher for type herd', () => {
  const [definition] = contributes.taskDefinitions;
  assert.equal(definition.type, 'herd');
  assert.deepEqual(definition.required, ['command']);
  assert.deepEqual(Object.keys(definition.properties).sort(), ['args', 'command', 'config', 'cwd']);
  const [matcher] = contributes.problemMatchers;
  assert.equal(matcher.name, 'herd');
  assert.deepEqual([matcher.pattern.file, matcher.pattern.line, matcher.pattern.column, matcher.pattern.message], [1, 2, 3, 4]);
  assert.match(fs.readFileSync('src-extension/tasks.ts', 'utf8'), /PROBLEM_MATCHER = '\$herd'/);
});

test('the YAML validation contributed by the language server work is kept', () => {
  assert.ok(Array.isArray(contributes.yamlValidation) && contributes.yamlValidation.length >= 1);
});

/** The grammar's expressions are Oniguruma; the ones tested here use only syntax JavaScript shares. */
function grammarRegex(grammar: any, name: string): RegExp {
  return new RegExp(grammar.repository[name].match ?? grammar.repository[name].begin);
}

test('herd-log grammar: errors with their place, progress bars, JSON events', () => {
  const registered = contributes.grammars.find((entry: { language?: string }) => entry.language === 'herd-log');
  const grammar = JSON.parse(fs.readFileSync(registered.path, 'utf8'));
  assert.equal(grammar.scopeName, registered.scopeName);
  assert.ok(contributes.languages.some((language: { id: string }) => language.id === 'herd-log'));

  const error = grammarRegex(grammar, 'error').exec('herd: error: /p/config.yaml:12:3: numframes2pick must be a positive integer')!;
  assert.deepEqual(error.slice(2, 6), ['/p/config.yaml', '12', '3', 'numframes2pick must be a positive integer']);
  const plain = grammarRegex(grammar, 'error').exec('herd: error: unknown command "x" (see: herd --help)')!;
  assert.equal(plain[5], 'unknown command "x" (see: herd --help)');

  const progress = grammarRegex(grammar, 'progress').exec('extract frames [############............] 10/20 frames  85.3 frames/s  ETA 0:02')!;
  assert.deepEqual([progress[1], progress[3], progress[4], progress[6], progress[7], progress[8]], ['extract frames', '############', '............', '10', '20', 'frames']);
  const json = grammarRegex(grammar, 'json-event').exec('{"type":"progress","task":"t","done":1,"total":2,"unit":"frames"}')!;
  assert.equal(json[2], 'progress');
});

test('config.yaml injection grammar: body-part and individuals lists', () => {
  const registered = contributes.grammars.find((entry: { injectTo?: string[] }) => entry.injectTo?.includes('source.yaml'));
  const grammar = JSON.parse(fs.readFileSync(registered.path, 'utf8'));
  assert.equal(grammar.scopeName, registered.scopeName);
  const begin = grammarRegex(grammar, 'name-list');
  for (const key of ['multianimalbodyparts:', 'bodyparts:', 'uniquebodyparts:', 'individuals:']) assert.ok(begin.test(key), key);
  assert.equal(begin.test('  bodyparts:'), false);
  const item = new RegExp(grammar.repository['name-list'].patterns[1].match).exec('- left ear  # comment')!;
  assert.equal(item[2], 'left ear');
});

test('webview panels: each view type restores on activation, each bundle is built and packaged', () => {
  const esbuild = fs.readFileSync('esbuild.mjs', 'utf8');
  const ignore = fs.readFileSync('.vscodeignore', 'utf8');
  for (const [viewType, entry] of [['herd.labeling', 'webviews/labeling/main.tsx'], ['herd.refine', 'webviews/refine/main.tsx'], ['herd.grabber', 'webviews/grabber/main.tsx'], ['herd.evaluation', 'webviews/evaluate/main.tsx']]) {
    assert.ok(manifest.activationEvents.includes(`onWebviewPanel:${viewType}`), viewType);
    assert.ok(esbuild.includes(entry), entry);
  }
  assert.match(ignore, /^!dist\/webviews\/\*\.js$/m);
  assert.match(ignore, /^!dist\/webviews\/\*\.css$/m);
});
