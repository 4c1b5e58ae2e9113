// What every webview entry (webviews/<name>/main.tsx) does: wrap VS Code's `acquireVsCodeApi()` in a host typed by
// the panel's messages and state, and mount the panel's App into `#root`. A .tsx, so the Node tsconfig (no DOM) skips it.
import type { ComponentType } from 'react';
import { createRoot } from 'react-dom/client';

/** The host as an App sees it: messages to the extension, and the webview state VS Code keeps across reloads. */
export interface HostApi<ToHost, State> {
  postMessage(message: ToHost): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi(): {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
};

/** Acquires the VS Code API (once per webview, as VS Code allows) and renders `<App host={…} />` into `#root`. */
export function mountWebview<ToHost, State>(App: ComponentType<{ host: HostApi<ToHost, State> }>): void {
  const api = acquireVsCodeApi();
  const host: HostApi<ToHost, State> = {
    postMessage: (message) => api.postMessage(message),
    getState: () => api.getState() as State | undefined,
    setState: (state) => api.setState(state),
  };
  createRoot(document.getElementById('root')!).render(<App host={host} />);
}
