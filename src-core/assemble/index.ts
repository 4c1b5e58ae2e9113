/** Multi-animal assembly: PAF edge affinities between peaks and DeepLabCut's Assembler (dlc-spec §5a). */
export { edgeAffinities, segmentAffinity, type Edge, type EdgeCosts } from './affinity';
export { assemble, type AssembleOptions, type Assembly, type AssemblyInput, type AssemblyResult } from './assembler';
