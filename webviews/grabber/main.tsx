// Entry of the frame-grabber webview bundle (esbuild: platform browser, format iife → dist/webviews/grabber.js).
import { mountWebview } from '../shared/host';
import { App } from './App';

mountWebview(App);
