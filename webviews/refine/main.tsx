// Entry of the refinement webview bundle (esbuild: platform browser, format iife → dist/webviews/refine.js).
import { createRoot } from 'react-dom/client';
import type { RefinePanelState, RefinePanelToHost } from '../shared/messages';
import { App, type RefineHostApi } from './App';

declare function acquireVsCodeApi(): {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
};

const api = acquireVsCodeApi();
const host: RefineHostApi = {
  postMessage: (message: RefinePanelToHost) => api.postMessage(message),
  getState: () => api.getState() as RefinePanelState | undefined,
  setState: (state) => api.setState(state),
};

createRoot(document.getElementById('root')!).render(<App host={host} />);
