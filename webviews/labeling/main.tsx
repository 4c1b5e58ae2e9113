// Entry of the labeling webview bundle (esbuild: platform browser, format iife → dist/webviews/labeling.js).
import { createRoot } from 'react-dom/client';
import type { LabelingPanelState, PanelToHost } from '../shared/messages';
import { App, type HostApi } from './App';

declare function acquireVsCodeApi(): {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
};

const api = acquireVsCodeApi();
const host: HostApi = {
  postMessage: (message: PanelToHost) => api.postMessage(message),
  getState: () => api.getState() as LabelingPanelState | undefined,
  setState: (state) => api.setState(state),
};

createRoot(document.getElementById('root')!).render(<App host={host} />);
