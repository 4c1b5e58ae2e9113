import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { buildProjectTree, type ProjectFs, type ProjectSummary, type TreeNode, type VideoFacts } from './tree_model';

/** The folder-listing function the pure tree model reads through. */
export const nodeProjectFs: ProjectFs = {
  async list(folder) {
    try {
      const entries = await fsp.readdir(folder, { withFileTypes: true });
      return entries.map((entry) => ({ name: entry.name, isDirectory: entry.isDirectory() || (entry.isSymbolicLink() && isDirSync(folder, entry.name)) }));
    } catch {
      return [];
    }
  },
  async readText(file) {
    try {
      return await fsp.readFile(file, 'utf8');
    } catch {
      return undefined;
    }
  },
};

function isDirSync(folder: string, name: string): boolean {
  try {
    return fs.statSync(path.join(folder, name)).isDirectory();
  } catch {
    return false;
  }
}

const ICONS: Record<TreeNode['kind'], string> = {
  section: 'folder-library',
  video: 'device-camera-video',
  missingVideo: 'warning',
  labeledFolder: 'tag',
  checkedLabels: 'check-all',
  iteration: 'history',
  dataset: 'database',
  shuffle: 'symbol-number',
  model: 'circuit-board',
  snapshot: 'save',
  evaluation: 'graph',
  analyzedVideo: 'play-circle',
  output: 'output',
  refinedTable: 'edit',
  file: 'file',
  message: 'info',
};

/**
 * "Herd project" view over the pure tree model. `contextValue` is `herd.<kind>` (sections `herd.section.<id>`),
 * which package.json's `view/item/context` menus match to offer the fitting command on each item.
 */
export class ProjectTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: TreeNode[] | undefined;
  private summary: ProjectSummary | undefined;
  private pending: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;

  constructor(private readonly probe: (file: string) => Promise<VideoFacts | undefined>) {}

  setProject(summary: ProjectSummary | undefined): void {
    this.summary = summary;
    this.refresh();
  }

  get project(): ProjectSummary | undefined {
    return this.summary;
  }

  /** Rebuild now. */
  refresh(): void {
    this.roots = undefined;
    this.generation++;
    this.changed.fire(undefined);
  }

  /** Rebuild after a quiet moment (file watchers fire in bursts while a job writes). */
  refreshSoon(delayMs = 300): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.refresh();
    }, delayMs);
  }

  async getChildren(element?: TreeNode): Promise<TreeNode[]> {
    if (element) return element.children ?? [];
    const summary = this.summary;
    if (!summary) return [];
    if (this.roots) return this.roots;
    // A build that a refresh or a project switch overtook must not become the cached tree.
    const generation = ++this.generation;
    const roots = await buildProjectTree(summary, nodeProjectFs, { probe: this.probe });
    if (generation === this.generation && summary === this.summary) this.roots = roots;
    return roots;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const state = node.children
      ? node.kind === 'section' && node.section !== 'videos' && node.section !== 'labeled'
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.Expanded
      : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(node.label, state);
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip ?? node.path;
    item.contextValue = node.kind === 'section' ? `herd.section.${node.section}` : `herd.${node.kind}`;
    item.iconPath = new vscode.ThemeIcon(ICONS[node.kind]);
    if (node.path && !node.children && node.kind !== 'labeledFolder' && node.kind !== 'checkedLabels') {
      item.resourceUri = vscode.Uri.file(node.path);
      item.command = { command: 'herd.openItem', title: 'Open', arguments: [node] };
    }
    return item;
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    this.changed.dispose();
  }
}
