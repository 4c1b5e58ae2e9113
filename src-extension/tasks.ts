import * as path from 'node:path';
import * as vscode from 'vscode';
import { readSettings } from './settings';
import { herdArgv, herdEnv, taskLabel, type HerdTaskDefinition } from './workflow';

export const TASK_TYPE = 'herd';
export const PROBLEM_MATCHER = '$herd';

/**
 * Tasks of type "herd": `node <extension>/dist/herd.js <command> …` in the integrated terminal, with the
 * `$herd` problem matcher. The extension host's own runtime runs the CLI (Electron as Node in desktop VS Code,
 * Node in code-server), so no global install and no Node on PATH are needed.
 */
export class HerdTaskProvider implements vscode.TaskProvider {
  constructor(
    private readonly extensionPath: string,
    private readonly projectConfig: () => string | undefined,
  ) {}

  /** A few ready-made tasks for the open project (the tasks.json "Run Task" list). */
  provideTasks(): vscode.Task[] {
    const config = this.projectConfig();
    if (!config) return [];
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(config)) ?? vscode.workspace.workspaceFolders?.[0];
    return ['extract-frames', 'check-labels', 'create-training-dataset', 'train', 'evaluate', 'analyze'].map((command) =>
      this.createTask({ type: TASK_TYPE, command, config }, folder),
    );
  }

  /** Fills in the execution of a "herd" task written in tasks.json. */
  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const definition = task.definition as HerdTaskDefinition;
    if (definition.type !== TASK_TYPE || typeof definition.command !== 'string') return undefined;
    const scope = task.scope && typeof task.scope === 'object' ? task.scope : undefined;
    return this.createTask(definition, scope, task.name);
  }

  createTask(definition: HerdTaskDefinition, folder?: vscode.WorkspaceFolder, name?: string): vscode.Task {
    const settings = readSettings(folder);
    const herdJs = path.join(this.extensionPath, 'dist', 'herd.js');
    const runtimeIsElectron = Boolean(process.versions.electron);
    const cwd = definition.cwd ?? folder?.uri.fsPath ?? (definition.config ? path.dirname(definition.config) : undefined);
    const execution = new vscode.ProcessExecution(process.execPath, herdArgv(herdJs, definition), {
      cwd,
      env: herdEnv(settings, runtimeIsElectron),
    });
    const task = new vscode.Task(definition, folder ?? vscode.TaskScope.Workspace, name ?? taskLabel(definition), 'herd', execution, PROBLEM_MATCHER);
    if (['train', 'analyze', 'evaluate', 'create-training-dataset'].includes(definition.command)) task.group = vscode.TaskGroup.Build;
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true, showReuseMessage: false };
    return task;
  }
}
