// Entry of the frame-grabber webview bundle (esbuild: platform browser, format iife → dist/webviews/grabber.js).
import { createRoot } from 'react-dom/client';
import type { GrabberPanelState, GrabberPanelToHost } from '../shared/messages';
import { App, type GrabberHostApi } from './App';

declare function acquireVsCodeApi(): {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
};

const api = acquireVsCodeApi();
const host: GrabberHostApi = {
  postMessage: (message: GrabberPanelToHost) => api.postMessage(message),
  getState: () => api.getState() as GrabberPanelState | undefined,
  setState: (state) => api.setState(state),
};

createRoot(document.getElementById('root')!).render(<App host={host} />);
