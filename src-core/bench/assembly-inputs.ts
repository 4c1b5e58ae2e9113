/**
 * Assembly inputs (peaks and PAF edge costs) made from known animals, for the tracking bench: each animal's
 * keypoints become peaks of their body part in a shuffled order, and the affinity of a pair of peaks is high when
 * both belong to the same animal and low otherwise. Assembling them should give the animals back, so the bench
 * times the assembler on the work a trained model hands it, without a model.
 */
import type { AssemblyInput, Edge, EdgeCosts } from '../assemble';
import { Random } from '../common/random';
import type { Peak } from '../model/decode';

/** Every pair of body parts: DeepLabCut's default PAF graph. */
export function fullGraph(parts: number): Edge[] {
  const graph: Edge[] = [];
  for (let s = 0; s < parts; s++) for (let t = s + 1; t < parts; t++) graph.push([s, t]);
  return graph;
}

/**
 * One AssemblyInput per frame from `assemblies` [frames, animals, parts, ≥3] (x, y, score…; NaN = missing).
 * Same-animal pairs get affinities in [0.7, 1), other pairs [0, 0.15).
 */
export function assemblyInputs(assemblies: Float32Array, frames: number, animals: number, parts: number, stride: number, graph: readonly Edge[], seed: number): AssemblyInput[] {
  const random = new Random(seed);
  const inputs: AssemblyInput[] = [];
  for (let f = 0; f < frames; f++) {
    const owners: number[][] = [];
    const peaksPerPart: Peak[][] = [];
    for (let k = 0; k < parts; k++) {
      const present: number[] = [];
      for (let a = 0; a < animals; a++) if (Number.isFinite(assemblies[((f * animals + a) * parts + k) * stride])) present.push(a);
      for (let i = present.length - 1; i > 0; i--) {
        const j = random.integer(0, i + 1);
        [present[i], present[j]] = [present[j], present[i]];
      }
      owners.push(present);
      peaksPerPart.push(
        present.map((a) => {
          const at = ((f * animals + a) * parts + k) * stride;
          return { x: assemblies[at], y: assemblies[at + 1], score: assemblies[at + 2], row: 0, col: 0 };
        }),
      );
    }
    const costs: EdgeCosts[] = graph.map(([s, t]) => {
      const n = owners[s].length, m = owners[t].length;
      const affinity = new Float32Array(n * m);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) affinity[i * m + j] = owners[s][i] === owners[t][j] ? random.uniform(0.7, 1) : random.uniform(0, 0.15);
      }
      return { affinity, distance: new Float32Array(n * m) };
    });
    inputs.push({ peaksPerPart, costs, graph });
  }
  return inputs;
}
