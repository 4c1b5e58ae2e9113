import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CodeActionKind,
  createConnection,
  DidChangeWatchedFilesNotification,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { probeVideo } from '../src-core/video/probe';
import { HerdLanguageService, parseFile, sortDiagnostics } from './service/service';

const EARLY_PUBLISH_MS = 50;
import { uriToPath, type ParsedFile } from './service/parse';

/**
 * The LSP connection around HerdLanguageService: documents in (open, unsaved text included),
 * diagnostics, hover, completion, code actions and links out. Run as `node dist/server.js --stdio`.
 */
export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const openByPath = new Map<string, TextDocument>();
  const service = new HerdLanguageService({
    openText: (file) => openByPath.get(path.resolve(file))?.getText(),
    probeVideo: (file) => probeVideo(file),
  });
  // One parse per document version, shared by every request.
  const parsed = new Map<string, { version: number; file: ParsedFile }>();
  const parse = (document: TextDocument): ParsedFile => {
    const cached = parsed.get(document.uri);
    if (cached && cached.version === document.version) return cached.file;
    const file = parseFile(document.uri, document.getText(), document.version);
    parsed.set(document.uri, { version: document.version, file });
    return file;
  };

  const validate = async (document: TextDocument) => {
    const file = parse(document);
    if (!file.kind) return;
    const version = document.version;
    const current = () => documents.get(document.uri)?.version === version; // a newer edit supersedes this one
    const local = service.localDiagnostics(file);
    const context = service.contextDiagnostics(file);
    // Disk checks are usually quick; when a video must be probed first, the text's problems go out at once.
    const early = await Promise.race([context, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), EARLY_PUBLISH_MS))]);
    if (early === undefined && current()) await connection.sendDiagnostics({ uri: document.uri, version, diagnostics: local });
    const diagnostics = sortDiagnostics([...local, ...(await context)]);
    if (current()) await connection.sendDiagnostics({ uri: document.uri, version, diagnostics });
  };
  const revalidateOthers = (changed: TextDocument) => {
    // A project config.yaml changed: the models of that project are checked against it.
    if (!changed.uri.endsWith('/config.yaml')) return;
    for (const document of documents.all()) if (document.uri.endsWith('/pytorch_config.yaml')) void validate(document);
  };

  documents.onDidOpen(({ document }) => {
    const file = uriToPath(document.uri);
    if (file) openByPath.set(path.resolve(file), document);
  });
  documents.onDidChangeContent(({ document }) => {
    const file = uriToPath(document.uri);
    if (file) openByPath.set(path.resolve(file), document);
    void validate(document).catch((error) => connection.console.error(`validation failed: ${String(error)}`));
    revalidateOthers(document);
  });
  documents.onDidClose(({ document }) => {
    const file = uriToPath(document.uri);
    if (file) openByPath.delete(path.resolve(file));
    parsed.delete(document.uri);
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
    revalidateOthers(document);
  });

  const initializeResult: InitializeResult = {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      completionProvider: { triggerCharacters: [' ', '-', '[', ','] },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      documentLinkProvider: { resolveProvider: false },
    },
    serverInfo: { name: 'herd-yaml', version: '0.1.0' },
  };

  // Videos, snapshots and project configs change on disk: re-check open documents when the client says so.
  let watchFiles = false;
  connection.onInitialize(({ capabilities }) => {
    watchFiles = capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    return initializeResult;
  });
  connection.onInitialized(() => {
    if (!watchFiles) return;
    void connection.client.register(DidChangeWatchedFilesNotification.type, {
      watchers: [
        { globPattern: '**/*.{mp4,avi,mov,mkv,mpeg,mpg,m4v,MP4,AVI,MOV}' },
        { globPattern: '**/dlc-models-pytorch/**/*.pt' },
        { globPattern: '**/config.yaml' },
      ],
    });
  });
  connection.onDidChangeWatchedFiles(() => {
    for (const document of documents.all()) void validate(document);
  });

  const withFile = <T>(uri: string, empty: T, run: (file: ParsedFile) => T): T => {
    const document = documents.get(uri);
    return document ? run(parse(document)) : empty;
  };
  connection.onHover(({ textDocument, position }) => withFile(textDocument.uri, Promise.resolve(null), (file) => service.hover(file, position)));
  connection.onCompletion(({ textDocument, position }) => withFile(textDocument.uri, [], (file) => service.completion(file, position)));
  connection.onCodeAction(({ textDocument, context }) => withFile(textDocument.uri, [], (file) => service.codeActions(file, context.diagnostics)));
  connection.onDocumentLinks(({ textDocument }) => withFile(textDocument.uri, [], (file) => service.documentLinks(file)));

  documents.listen(connection);
  connection.listen();
}

if (require.main === module) startServer(createConnection(ProposedFeatures.all));
