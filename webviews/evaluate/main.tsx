// Entry of the evaluation webview bundle (esbuild: platform browser, format iife → dist/webviews/evaluate.js).
import { createRoot } from 'react-dom/client';
import type { EvaluationPanelState, EvaluationPanelToHost } from '../shared/messages';
import { App, type EvaluationHostApi } from './App';

declare function acquireVsCodeApi(): {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
};

const api = acquireVsCodeApi();
const host: EvaluationHostApi = {
  postMessage: (message: EvaluationPanelToHost) => api.postMessage(message),
  getState: () => api.getState() as EvaluationPanelState | undefined,
  setState: (state) => api.setState(state),
};

createRoot(document.getElementById('root')!).render(<App host={host} />);
