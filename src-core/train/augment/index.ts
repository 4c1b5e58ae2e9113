/**
 * Training-time augmentation of pose samples (DeepLabCut's PyTorch `data.train` transforms): flip with
 * symmetric pairs, affine (scale, rotation, translation), keypoint-aware crop with padding — all composed into
 * one affine matrix applied once with bilinear sampling, so pixels and keypoints move identically — then
 * brightness/contrast, motion blur and Gaussian noise. Seeded per (seed, epoch, sample).
 */
export * from './augment';
export * from './crop';
export * from './image';
export * from './matrix';
export * from './options';
export * from './photometric';
export * from './rng';
export * from './symmetry';
export * from './warp';
