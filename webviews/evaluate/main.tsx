// Entry of the evaluation webview bundle (esbuild: platform browser, format iife → dist/webviews/evaluate.js).
import { mountWebview } from '../shared/host';
import { App } from './App';

mountWebview(App);
