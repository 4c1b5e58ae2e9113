// Entry of the refinement webview bundle (esbuild: platform browser, format iife → dist/webviews/refine.js).
import { mountWebview } from '../shared/host';
import { App } from './App';

mountWebview(App);
