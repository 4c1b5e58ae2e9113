import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { openPath, type Ctx } from './ctx';
import { findTrackedTables, rankTrackedTables } from './refine-host';
import { readSettings } from './settings';
import type { TreeNode } from './tree_model';
import { stepById, TRACK_METHODS, WORKFLOW_STEPS, type StepInput, type WorkflowStep } from './workflow';

const VIDEO_FILTERS = { Videos: ['mp4', 'avi', 'mov', 'mkv', 'mpeg', 'mpg', 'm4v'] };

/** Registers every Herd command on the context: one per workflow step, plus tree helpers. */
export function registerCommands(ctx: Ctx): void {
  for (const step of WORKFLOW_STEPS) ctx.registerCommand(step.id, (c) => (node?: TreeNode) => runWorkflowCommand(c, step, node));
  ctx.registerCommand('refresh', (c) => () => c.reloadProject());
  ctx.registerCommand('grabFrames', (c) => (node?: TreeNode) => grabFrames(c, node));
  ctx.registerCommand('openItem', () => async (node?: TreeNode) => {
    if (node?.path) await openPath(node.path);
  });
  ctx.registerCommand('revealItem', () => async (node?: TreeNode) => {
    if (node?.path) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(node.path));
  });
  ctx.registerCommand('showEvaluation', (c) => (node?: TreeNode) => showEvaluation(c, node));
  ctx.registerCommand('selectProject', (c) => async () => {
    const projects = await c.findProjects();
    if (projects.length === 0) throw new Error('no DeepLabCut/Herd config.yaml (with Task, scorer and video_sets) in this workspace');
    const picked = await vscode.window.showQuickPick(
      projects.map((project) => ({ label: project.task, description: vscode.workspace.asRelativePath(project.configPath), project })),
      { title: 'Herd: choose the project to show' },
    );
    if (picked) await c.selectProject(projects, picked.project.configPath);
  });
}

function requireProject(ctx: Ctx): string {
  if (!ctx.project) throw new Error('open a folder that holds a DeepLabCut/Herd project (config.yaml), or run Herd: Create Project…');
  return ctx.project.configPath;
}

/** The project's videos that exist on disk (video_sets, at their path or in videos/). */
function projectVideoFiles(ctx: Ctx): string[] {
  const project = ctx.project;
  if (!project) return [];
  return project.videoSets
    .map((configured) => [path.isAbsolute(configured) ? configured : path.join(project.root, configured), path.join(project.root, 'videos', path.basename(configured))].find((file) => fs.existsSync(file)))
    .filter((file): file is string => file !== undefined);
}

/** Videos for a step: the tree item's, or the user's pick among the project's (all preselected). */
async function chooseVideos(ctx: Ctx, step: WorkflowStep, node: TreeNode | undefined): Promise<string[] | undefined> {
  if (node?.kind === 'video' && node.path) return [node.path];
  if (node?.kind === 'analyzedVideo' && node.path) return [node.path];
  if (node?.kind === 'refinedTable' && node.path) {
    const video = projectVideoFiles(ctx).find((file) => path.basename(node.path!).startsWith(`${path.parse(file).name}DLC`));
    if (!video) throw new Error(`no video of the project on disk for ${path.basename(node.path)}`);
    return [video];
  }
  if (node?.kind === 'labeledFolder' && node.path) {
    const stem = path.basename(node.path);
    return [projectVideoFiles(ctx).find((file) => path.parse(file).name === stem) ?? stem];
  }
  const videos = projectVideoFiles(ctx);
  if (videos.length <= 1) return videos;
  const picked = await vscode.window.showQuickPick(
    videos.map((file) => ({ label: path.basename(file), description: vscode.workspace.asRelativePath(file), picked: true, file })),
    { title: `Herd: ${step.title} — which videos?`, canPickMany: true },
  );
  return picked?.map((item) => item.file);
}

async function runWorkflowCommand(ctx: Ctx, step: WorkflowStep, node: TreeNode | undefined): Promise<unknown> {
  const settings = readSettings();
  switch (step.id) {
    case 'createProject':
      return createProjectFlow(ctx);
    case 'importSleap':
      return importSleapFlow(ctx);
    case 'runDemo': {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      if (!folder) throw new Error('open a folder first: the demo writes herd-demo/ into it');
      return ctx.runStep(step, {}, folder);
    }
    case 'editConfig':
      return openPath(requireProject(ctx));
    case 'labelFrames':
      return labelFrames(ctx, node);
    case 'openEvaluationResults':
      return openEvaluationResults(ctx, node);
    case 'refineTracklets':
      return refineTracklets(ctx, node, settings.defaultTrackMethod);
    case 'addVideos': {
      const config = requireProject(ctx);
      const picked = await vscode.window.showOpenDialog({ canSelectMany: true, filters: VIDEO_FILTERS, openLabel: 'Add to project', title: 'Herd: videos to add' });
      if (!picked?.length) return undefined;
      return ctx.runStep(step, { config, videos: picked.map((uri) => uri.fsPath) });
    }
    default:
      break;
  }
  const input: StepInput = { config: requireProject(ctx) };
  if (step.takesShuffle) input.shuffle = node?.shuffle ?? settings.defaultShuffle;
  if (step.takesTrackMethod) input.trackMethod = settings.defaultTrackMethod;
  if (step.readsPoseTable && node?.kind === 'refinedTable' && node.path) {
    input.refined = true;
    input.filtered = /_refined_filtered\.(h5|csv)$/.test(node.path);
    // The table's own tracker, whatever the setting says.
    const tracker = /(_el|_bx|_sk|_id)(_filtered)?_refined/.exec(node.path)?.[1];
    const method = Object.entries(TRACK_METHODS).find(([, suffix]) => suffix === tracker)?.[0];
    if (method) input.trackMethod = method;
  }
  if (step.takesVideos) {
    // extract-frames with no tree item: all videos (the CLI's default), no question asked.
    const videos = step.id === 'extractFrames' && !node ? [] : await chooseVideos(ctx, step, node);
    if (videos === undefined) return undefined;
    if (step.id === 'probeVideos' && videos.length === 0) throw new Error('the project has no videos on disk');
    input.videos = videos;
  }
  if (step.id === 'analyzeVideos') {
    const answer = await vscode.window.showQuickPick(
      [
        { label: 'Analyze and track', description: `assemble animals and track them (${settings.defaultTrackMethod}) in the same run`, autoTrack: true },
        { label: 'Analyze only', description: 'detections only; convert and stitch tracklets later', autoTrack: false },
      ].sort((a) => (a.autoTrack === settings.autoTrack ? -1 : 1)),
      { title: 'Herd: Analyze Videos' },
    );
    if (!answer) return undefined;
    input.autoTrack = answer.autoTrack;
  }
  return ctx.runStep(step, input);
}

/** Guided create-project: name, experimenter, videos (file dialog), folder, animals. */
async function createProjectFlow(ctx: Ctx): Promise<unknown> {
  const title = 'Herd: Create Project';
  const projectName = await vscode.window.showInputBox({ title, prompt: 'Project (task) name, e.g. openfield', validateInput: validName, ignoreFocusOut: true });
  if (!projectName) return undefined;
  const experimenter = await vscode.window.showInputBox({ title, prompt: 'Experimenter (scorer) name', validateInput: validName, ignoreFocusOut: true });
  if (!experimenter) return undefined;
  const videos = await vscode.window.showOpenDialog({ title: `${title}: videos`, canSelectMany: true, canSelectFolders: false, filters: VIDEO_FILTERS, openLabel: 'Use these videos' });
  if (!videos?.length) return undefined;
  const folders = await vscode.window.showOpenDialog({
    title: `${title}: where to create it`,
    canSelectFiles: false,
    canSelectFolders: true,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    openLabel: 'Create the project here',
  });
  if (!folders?.length) return undefined;
  const animals = await vscode.window.showQuickPick(
    [
      { label: 'Several animals (multi-animal project)', multiAnimal: true },
      { label: 'One animal', multiAnimal: false },
    ],
    { title },
  );
  if (!animals) return undefined;
  let individuals: string[] | undefined;
  if (animals.multiAnimal) {
    const names = await vscode.window.showInputBox({ title, prompt: 'Names of the animals, comma-separated (empty: individual1..3)', ignoreFocusOut: true });
    if (names === undefined) return undefined;
    individuals = names.split(',').map((name) => name.trim()).filter(Boolean);
  }
  const copy = await vscode.window.showQuickPick(
    [
      { label: 'Link the videos', description: 'symbolic links in videos/', copyVideos: false },
      { label: 'Copy the videos', description: 'the project stands alone', copyVideos: true },
    ],
    { title },
  );
  if (!copy) return undefined;
  const workingDirectory = folders[0]!.fsPath;
  return ctx.runStep(
    stepById('createProject'),
    { projectName, experimenter, videos: videos.map((uri) => uri.fsPath), workingDirectory, multiAnimal: animals.multiAnimal, individuals, copyVideos: copy.copyVideos },
    workingDirectory,
  );
}

/** SLEAP labels → a new project: the .slp file, the experimenter, the folder. */
async function importSleapFlow(ctx: Ctx): Promise<unknown> {
  const title = 'Herd: Import SLEAP Labels';
  const files = await vscode.window.showOpenDialog({ title, canSelectMany: false, filters: { 'SLEAP labels': ['slp'] }, openLabel: 'Import' });
  if (!files?.length) return undefined;
  const experimenter = await vscode.window.showInputBox({ title, prompt: 'Experimenter (scorer) name for the imported labels', validateInput: validName, ignoreFocusOut: true });
  if (!experimenter) return undefined;
  const folders = await vscode.window.showOpenDialog({ title: `${title}: where to create the project`, canSelectFiles: false, canSelectFolders: true, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri, openLabel: 'Create the project here' });
  if (!folders?.length) return undefined;
  const slp = files[0]!.fsPath;
  const workingDirectory = folders[0]!.fsPath;
  return ctx.runStep(stepById('importSleap'), { slp, experimenter, projectName: path.parse(slp).name, workingDirectory }, workingDirectory);
}

function validName(value: string): string | undefined {
  if (value.trim() === '') return 'required';
  return /^[\w.-]+$/.test(value) ? undefined : 'letters, digits, ".", "-" and "_" only (it becomes part of folder names)';
}

async function labelFrames(ctx: Ctx, node: TreeNode | undefined): Promise<void> {
  const project = ctx.project;
  requireProject(ctx);
  let folder = node?.kind === 'labeledFolder' ? node.path : undefined;
  if (!folder && project) {
    const base = path.join(project.root, 'labeled-data');
    const folders = fs.existsSync(base) ? fs.readdirSync(base).filter((name) => !name.endsWith('_labeled') && fs.statSync(path.join(base, name)).isDirectory()) : [];
    if (folders.length === 0) throw new Error('no labeled-data folders yet: run Herd: Extract Frames first');
    const picked = folders.length === 1 ? folders[0] : await vscode.window.showQuickPick(folders, { title: 'Herd: Label Frames — which video?' });
    if (!picked) return;
    folder = path.join(base, picked);
  }
  if (!folder) return;
  ctx.labeling.show(folder);
}

/** Opens the frame grabber on a video: the tree item's (a video, or a labeled-data folder's video), or one the user picks. */
async function grabFrames(ctx: Ctx, node: TreeNode | undefined): Promise<void> {
  requireProject(ctx);
  let video = node?.kind === 'video' && node.path ? node.path : undefined;
  if (!video && node?.kind === 'labeledFolder' && node.path) {
    const stem = path.basename(node.path);
    video = projectVideoFiles(ctx).find((file) => path.parse(file).name === stem);
    if (!video) throw new Error(`no video ${stem}.* of the project on disk for labeled-data/${stem}`);
  }
  if (!video) {
    const videos = projectVideoFiles(ctx);
    if (videos.length === 0) throw new Error('the project has no videos on disk: run Herd: Add Videos… first');
    const picked =
      videos.length === 1
        ? videos[0]
        : (await vscode.window.showQuickPick(videos.map((file) => ({ label: path.basename(file), description: vscode.workspace.asRelativePath(file), file })), { title: 'Herd: Grab Frames — which video?' }))?.file;
    video = picked;
  }
  if (video) ctx.grabber.show(video);
}

/** Opens the refinement panel on a tracked table: the tree item's, the analyzed video's, or one the user picks. */
async function refineTracklets(ctx: Ctx, node: TreeNode | undefined, trackMethod: string): Promise<void> {
  requireProject(ctx);
  let file = (node?.kind === 'output' || node?.kind === 'refinedTable') && node.path && /\.(h5|csv)$/i.test(node.path) ? node.path : undefined;
  if (!file) {
    const video = (node?.kind === 'analyzedVideo' || node?.kind === 'video') && node.path ? node.path : undefined;
    const project = ctx.project!;
    const folders = video ? [path.dirname(video)] : [path.join(project.root, 'videos'), ...projectVideoFiles(ctx).map((file) => path.dirname(file))];
    const tables = rankTrackedTables(findTrackedTables(folders, video ? path.parse(video).name : undefined), trackMethod);
    if (tables.length === 0) throw new Error('no tracked tables (<video>DLC…_el.h5) yet: run Herd: Analyze Videos with tracking, or Stitch Tracklets first');
    if (tables.length === 1) file = tables[0];
    else {
      const picked = await vscode.window.showQuickPick(
        tables.map((table) => ({ label: path.basename(table), description: vscode.workspace.asRelativePath(path.dirname(table)), table })),
        { title: 'Herd: Refine Tracklets — which table?' },
      );
      file = picked?.table;
    }
  }
  if (file) ctx.refine.show(file);
}

/** Opens the evaluation panel (table, per body part errors, gallery) of the current project. */
function showEvaluation(ctx: Ctx, _node: TreeNode | undefined): void {
  const config = requireProject(ctx);
  const folder = path.join(path.dirname(config), 'evaluation-results-pytorch');
  if (!fs.existsSync(folder)) throw new Error('no evaluation results yet: run Herd: Evaluate Network first');
  ctx.evaluation.show(config);
}

async function openEvaluationResults(ctx: Ctx, node: TreeNode | undefined): Promise<void> {
  const project = ctx.project;
  requireProject(ctx);
  const folder = node?.kind === 'evaluation' && node.path ? node.path : project ? path.join(project.root, 'evaluation-results-pytorch') : undefined;
  if (!folder || !fs.existsSync(folder)) throw new Error('no evaluation results yet: run Herd: Evaluate Network first');
  const csvs = findFiles(folder, (name) => name.endsWith('.csv'));
  const newest = csvs.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  await openPath(newest ?? folder);
}

function findFiles(folder: string, keep: (name: string) => boolean, depth = 3): string[] {
  if (depth < 0) return [];
  const found: string[] = [];
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) found.push(...findFiles(full, keep, depth - 1));
    else if (keep(entry.name)) found.push(full);
  }
  return found;
}
