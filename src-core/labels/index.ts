export * from './table';
export * from './files';
export * from './check';
export * from './colormap';
