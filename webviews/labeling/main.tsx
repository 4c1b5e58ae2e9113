// Entry of the labeling webview bundle (esbuild: platform browser, format iife → dist/webviews/labeling.js).
import { mountWebview } from '../shared/host';
import { App } from './App';

mountWebview(App);
