import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { resolveFfmpeg } from '../src-core/video/ffmpeg';
import { probeVideo } from '../src-core/video/probe';
import { startLanguageClient } from './client';
import { EvaluationPanels } from './evaluate-panel';
import { GrabberPanels } from './grabber-panel';
import { LabelingPanels } from './labeling-panel';
import { RefinePanels } from './refine-panel';
import { readSettings } from './settings';
import { HerdTaskProvider, TASK_TYPE } from './tasks';
import { ProjectTreeProvider } from './tree';
import { summarizeConfig, type ProjectSummary, type VideoFacts } from './tree_model';
import { isProjectConfigText, outputHint, taskDefinition, type StepInput, type WorkflowStep } from './workflow';

/** What a command needs to know about a job it started, for when the job ends. */
interface RunningJob {
  step: WorkflowStep;
  input: StepInput;
  /** File or folder to offer with "Open" when the job succeeds. */
  output: string | undefined;
}

/**
 * The one object that owns the language client, the tree and task providers, the status bar item and every
 * disposable (rust-analyzer's Ctx). Commands are registered through it and get their dependencies from it.
 */
export class Ctx implements vscode.Disposable {
  readonly subscriptions: vscode.Disposable[] = [];
  readonly log: vscode.LogOutputChannel;
  readonly tree: ProjectTreeProvider;
  readonly tasks: HerdTaskProvider;
  readonly status: vscode.StatusBarItem;
  /** Labeling webview panels (issue 9), one per labeled-data folder; restored after a reload. */
  readonly labeling: LabelingPanels;
  /** Tracklet-refinement webview panels (issue 10), one per tracked table; restored after a reload. */
  readonly refine: RefinePanels;
  /** Evaluation-results panels (issue 10, evaluation), one per project; an image opens in `labeling`. */
  readonly evaluation: EvaluationPanels;
  /** Frame-grabber panels (issue 9), one per video: scrub, grab frames into labeled-data, review near-duplicates. */
  readonly grabber: GrabberPanels;
  client: LanguageClient | undefined;
  project: ProjectSummary | undefined;
  private readonly probeCache = new Map<string, { mtimeMs: number; facts: VideoFacts | undefined }>();
  private readonly jobs = new Map<vscode.TaskExecution, RunningJob>();
  private watcher: vscode.FileSystemWatcher | undefined;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('Herd', { log: true });
    this.tree = new ProjectTreeProvider((file) => this.probe(file));
    this.tasks = new HerdTaskProvider(extension.extensionPath, () => this.project?.configPath);
    this.status = vscode.window.createStatusBarItem('herd.project', vscode.StatusBarAlignment.Left, 10);
    this.status.name = 'Herd project';
    this.status.command = 'herd.editConfig';
    this.labeling = new LabelingPanels(extension.extensionUri, (message) => this.log.warn(message));
    this.refine = new RefinePanels(extension.extensionUri, {
      log: (message) => this.log.warn(message),
      configPath: () => this.project?.configPath,
      ffmpeg: () => readSettings().ffmpegPath,
    });
    this.grabber = new GrabberPanels(extension.extensionUri, {
      log: (message) => this.log.warn(message),
      configPath: () => this.project?.configPath,
      ffmpeg: () => readSettings().ffmpegPath,
      labelingOpen: (folder) => this.labeling.isOpen(folder),
      frameAdded: (folder) => void this.labeling.refresh(folder),
    });
    this.evaluation = new EvaluationPanels(extension.extensionUri, {
      log: (message) => this.log.warn(message),
      openLabeling: (folder, image) => void this.labeling.show(folder, { image }),
    });
    this.subscriptions.push(
      this.log,
      this.labeling,
      this.refine,
      this.evaluation,
      this.grabber,
      this.tree,
      this.status,
      vscode.window.registerTreeDataProvider('herd.project', this.tree),
      vscode.tasks.registerTaskProvider(TASK_TYPE, this.tasks),
      vscode.tasks.onDidStartTask((event) => this.trace('taskStartedInHost', { name: event.execution.task.name })),
      vscode.tasks.onDidStartTaskProcess((event) => this.trace('taskStarted', { name: event.execution.task.name, pid: event.processId })),
      vscode.tasks.onDidEndTaskProcess((event) => this.onJobEnded(event)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('herd')) this.updateStatus();
        if (event.affectsConfiguration('herd.ffmpegPath')) {
          this.probeCache.clear();
          this.checkFfmpeg();
          this.tree.refresh();
        }
      }),
    );
  }

  registerCommand(name: string, factory: (ctx: Ctx) => (...args: any[]) => unknown): void {
    const handler = factory(this);
    this.subscriptions.push(
      vscode.commands.registerCommand(`herd.${name}`, async (...args: unknown[]) => {
        try {
          return await handler(...args);
        } catch (error) {
          const text = error instanceof Error ? error.message : String(error);
          this.log.error(`herd.${name}: ${text}`);
          void vscode.window.showErrorMessage(`Herd: ${text}`);
          return undefined;
        }
      }),
    );
  }

  async start(): Promise<void> {
    // The project scan and the language server's start overlap.
    const [, client] = await Promise.all([this.findProjects().then((projects) => this.selectProject(projects)), startLanguageClient(this.extension.extensionPath, this.log)]);
    this.client = client;
    this.checkFfmpeg();
  }

  /** The workspace's DeepLabCut/Herd configs (config.yaml files with Task, scorer and video_sets keys), shallowest first. */
  async findProjects(): Promise<ProjectSummary[]> {
    const files = await vscode.workspace.findFiles('**/config.yaml', '{**/node_modules/**,**/.git/**}', 200);
    const projects: ProjectSummary[] = [];
    for (const uri of files) {
      const text = await fsp.readFile(uri.fsPath, 'utf8').catch(() => '');
      if (!isProjectConfigText(text)) continue;
      const summary = summarizeConfig(uri.fsPath, text);
      if (summary) projects.push(summary);
    }
    return projects.sort((a, b) => a.configPath.split(path.sep).length - b.configPath.split(path.sep).length || a.configPath.localeCompare(b.configPath));
  }

  /** Show `projects[0]` (or the one chosen before, remembered per workspace) in the tree and status bar. */
  async selectProject(projects: ProjectSummary[], chosen?: string): Promise<void> {
    const remembered = chosen ?? this.extension.workspaceState.get<string>('herd.project');
    const project = projects.find((candidate) => candidate.configPath === remembered) ?? projects[0];
    if (chosen) await this.extension.workspaceState.update('herd.project', chosen);
    this.project = project;
    await vscode.commands.executeCommand('setContext', 'herd.hasProject', project !== undefined);
    this.tree.setProject(project);
    this.updateStatus();
    this.watch(project);
    if (project) this.log.info(`project: ${project.configPath} (Task ${project.task}, iteration ${project.iteration})`);
    this.trace('projectSelected', { configPath: project?.configPath });
  }

  /** Every video step needs ffmpeg; say so once, with the way to fix it, instead of failing later in a terminal. */
  private checkFfmpeg(): void {
    const configured = readSettings().ffmpegPath;
    try {
      const binary = resolveFfmpeg(configured);
      this.log.info(`ffmpeg: ${binary}`);
    } catch (error) {
      const text = (error as Error).message;
      this.log.warn(`ffmpeg: ${text}`);
      void vscode.window.showWarningMessage(`Herd: ${configured ? `herd.ffmpegPath (${configured}) is not an ffmpeg binary` : 'ffmpeg was not found on PATH'}. Video steps need it.`, 'Open Settings').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'herd.ffmpegPath');
      });
    }
  }

  /** Re-read config.yaml (Task, iteration, video_sets may have changed). */
  reloadProject(): void {
    if (!this.project) return;
    const text = fs.existsSync(this.project.configPath) ? fs.readFileSync(this.project.configPath, 'utf8') : '';
    const summary = summarizeConfig(this.project.configPath, text);
    if (summary) {
      this.project = summary;
      this.tree.setProject(summary);
    } else {
      this.tree.refreshSoon();
    }
    this.updateStatus();
  }

  private watch(project: ProjectSummary | undefined): void {
    this.watcher?.dispose();
    this.watcher = undefined;
    if (!project) return;
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(project.root), '**/*'));
    const onChange = (uri: vscode.Uri) => {
      if (uri.fsPath === project.configPath) this.reloadProject();
      else this.tree.refreshSoon();
    };
    watcher.onDidCreate(onChange);
    watcher.onDidChange(onChange);
    watcher.onDidDelete(onChange);
    this.watcher = watcher;
    this.subscriptions.push(watcher);
  }

  /** "CPU" unless a GPU backend is present (the herd.device setting, or the tfjs-node-gpu package). */
  computeBackend(): string {
    const device = readSettings().device;
    if (device === 'cpu') return 'CPU';
    if (device === 'gpu') return 'GPU';
    const gpuPackage = path.join(this.extension.extensionPath, 'node_modules', '@tensorflow', 'tfjs-node-gpu', 'package.json');
    return fs.existsSync(gpuPackage) ? 'GPU' : 'CPU';
  }

  updateStatus(): void {
    if (!this.project) {
      this.status.hide();
      return;
    }
    const backend = this.computeBackend();
    this.status.text = `$(organization) ${this.project.task} · iteration ${this.project.iteration} · ${backend}`;
    this.status.tooltip = `Herd project ${this.project.configPath}\nscorer ${this.project.scorer}, compute backend ${backend}\nClick to edit config.yaml`;
    this.status.show();
  }

  /** Resolution and frame count through the core's probeVideo, cached per file modification time. */
  async probe(file: string): Promise<VideoFacts | undefined> {
    const stat = await fsp.stat(file).catch(() => undefined);
    if (!stat) return undefined;
    const cached = this.probeCache.get(file);
    if (cached && cached.mtimeMs === stat.mtimeMs) return cached.facts;
    let facts: VideoFacts | undefined;
    try {
      const info = await probeVideo(file, { ffmpeg: readSettings().ffmpegPath });
      facts = { width: info.width, height: info.height, frameCount: info.frameCount };
    } catch (error) {
      this.log.warn(`cannot probe ${file}: ${(error as Error).message}`);
    }
    this.probeCache.set(file, { mtimeMs: stat.mtimeMs, facts });
    return facts;
  }

  /** Run a workflow step as a herd task; resolves when the task has started. */
  async runStep(step: WorkflowStep, input: StepInput, cwd?: string): Promise<vscode.TaskExecution> {
    const folder = this.workspaceFolderFor(input.config ?? cwd);
    const workingDirectory = cwd ?? folder?.uri.fsPath ?? (this.project?.root as string | undefined) ?? process.cwd();
    const definition = taskDefinition(step, input, workingDirectory);
    const task = this.tasks.createTask(definition, folder);
    this.trace('taskRequested', { command: definition.command });
    const execution = await vscode.tasks.executeTask(task);
    this.jobs.set(execution, { step, input, output: outputHint(step, input, this.project?.root, workingDirectory) });
    return execution;
  }

  private workspaceFolderFor(file: string | undefined): vscode.WorkspaceFolder | undefined {
    return (file ? vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file)) : undefined) ?? vscode.workspace.workspaceFolders?.[0];
  }

  private async onJobEnded(event: vscode.TaskProcessEndEvent): Promise<void> {
    const definition = event.execution.task.definition;
    if (definition.type !== TASK_TYPE) return;
    const job = this.jobs.get(event.execution);
    this.jobs.delete(event.execution);
    this.trace('taskEnded', { command: definition.command, exitCode: event.exitCode });
    this.tree.refresh();
    if (event.exitCode === 0 && (job?.step.cli === 'create-project' || job?.step.cli === 'import-sleap')) return this.offerCreatedProject(job);
    if (event.exitCode === 0) {
      const output = job?.output && fs.existsSync(job.output) ? job.output : undefined;
      const choice = await vscode.window.showInformationMessage(`Herd: ${definition.command} finished.`, ...(output ? ['Open'] : []));
      if (choice === 'Open' && output) await openPath(output);
    } else if (event.exitCode === 2) {
      void vscode.window.showWarningMessage(`Herd: ${definition.command} did not run (usage error): see the terminal.`);
    } else if (event.exitCode !== undefined && event.exitCode !== 130) {
      void vscode.window.showErrorMessage(`Herd: ${definition.command} failed (exit code ${event.exitCode}): see the terminal and the Problems panel.`);
    }
  }

  private async offerCreatedProject(job: RunningJob): Promise<void> {
    const parent = job.output;
    if (!parent) return;
    const prefix = `${job.input.projectName}-${job.input.experimenter}-`;
    const candidates = (await fsp.readdir(parent).catch(() => [] as string[]))
      .filter((name) => name.startsWith(prefix) && fs.existsSync(path.join(parent, name, 'config.yaml')))
      .map((name) => path.join(parent, name))
      .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
    const created = candidates[0];
    if (!created) return;
    const inWorkspace = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(created)) !== undefined;
    if (inWorkspace) await this.selectProject(await this.findProjects(), path.join(created, 'config.yaml'));
    const choice = await vscode.window.showInformationMessage(`Herd: created ${path.basename(created)}.`, inWorkspace ? 'Open config.yaml' : 'Open Folder');
    if (choice === 'Open Folder') await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(created), { forceNewWindow: false });
    else if (choice === 'Open config.yaml') await openPath(path.join(created, 'config.yaml'));
  }

  /** Timestamps for the end-to-end test's measurements (only when HERD_E2E_LOG names a file). */
  trace(event: string, data: Record<string, unknown> = {}): void {
    const file = process.env.HERD_E2E_LOG;
    if (!file) return;
    try {
      fs.appendFileSync(file, JSON.stringify({ event, t: Date.now(), ...data }) + '\n');
    } catch {
      // measurements are best effort
    }
  }

  dispose(): void {
    this.watcher?.dispose();
    for (const disposable of this.subscriptions.splice(0).reverse()) {
      try {
        disposable.dispose();
      } catch {
        // keep disposing the rest
      }
    }
  }
}

/** Open a file in an editor, or reveal a folder in the Explorer. */
export async function openPath(target: string): Promise<void> {
  const uri = vscode.Uri.file(target);
  const stat = await fsp.stat(target).catch(() => undefined);
  if (stat?.isDirectory()) {
    await vscode.commands.executeCommand('revealInExplorer', uri);
    return;
  }
  if (/\.(png|jpe?g|gif|svg)$/i.test(target)) await vscode.commands.executeCommand('vscode.open', uri);
  else if (/\.(mp4|avi|mov|mkv|h5|pickle|pt|onnx)$/i.test(target)) await vscode.commands.executeCommand('revealInExplorer', uri);
  else await vscode.window.showTextDocument(uri, { preview: true });
}
