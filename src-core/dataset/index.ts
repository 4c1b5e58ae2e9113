export * from './create';
export * from './images';
export * from './merge';
export * from './model-config';
export * from './net-types';
export * from './split';
export * from './pickle-write';
