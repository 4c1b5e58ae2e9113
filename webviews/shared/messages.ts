// The messages between the panels (webviews) and the extension host: one module per panel in protocol/, all of them
// re-exported here so both sides import one place. The webviews never touch the disk: they ask the host, which calls
// src-core; the host checks everything that crosses (the parse* functions).
export * from './protocol/common';
export * from './protocol/labeling';
export * from './protocol/refine';
export * from './protocol/grabber';
export * from './protocol/evaluation';
