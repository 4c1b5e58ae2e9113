/** Symmetric body-part pairs for the horizontal flip (DeepLabCut's `hflip.symmetries`, index pairs). */
export type SymmetryPairs = ReadonlyArray<readonly [number, number]>;

function swapCase(token: string, replacement: string): string {
  if (token === token.toUpperCase()) return replacement.toUpperCase();
  if (token[0] === token[0].toUpperCase()) return replacement[0].toUpperCase() + replacement.slice(1);
  return replacement;
}

/** Names a body part's mirror image could have: `leftear` → `rightear`, `ear_left` → `ear_right`, `earL` → `earR`… */
function mirrorCandidates(name: string): string[] {
  const out: string[] = [];
  const word = /^(left|right)(.*)$/i.exec(name);
  if (word) out.push(swapCase(word[1], word[1].toLowerCase() === 'left' ? 'right' : 'left') + word[2]);
  const suffix = /^(.*?)(left|right)$/i.exec(name);
  if (suffix && suffix[1].length > 0) out.push(suffix[1] + swapCase(suffix[2], suffix[2].toLowerCase() === 'left' ? 'right' : 'left'));
  // Single-letter sides: `earL`/`earR`, `ear_L`, `ear-l`, and `L_ear`/`l_ear`.
  const letterSuffix = /^(.*?)([_\-. ]?)([LlRr])$/.exec(name);
  if (letterSuffix && letterSuffix[1].length > 0 && (letterSuffix[2] !== '' || /[LR]/.test(letterSuffix[3]))) {
    const side = letterSuffix[3];
    const other = side === 'L' ? 'R' : side === 'R' ? 'L' : side === 'l' ? 'r' : 'l';
    out.push(letterSuffix[1] + letterSuffix[2] + other);
  }
  const letterPrefix = /^([LlRr])([_\-. ])(.+)$/.exec(name);
  if (letterPrefix) {
    const side = letterPrefix[1];
    const other = side === 'L' ? 'R' : side === 'R' ? 'L' : side === 'l' ? 'r' : 'l';
    out.push(other + letterPrefix[2] + letterPrefix[3]);
  }
  return out;
}

/**
 * Left/right pairs found by name: `left*`/`right*` prefixes, `*_left`/`*_right` (and `*Left`, `*-right`…)
 * suffixes, `*L`/`*R`, `*_l`/`*_r` and `L_*`/`R_*`. A pair is only made when both names exist; each body
 * part is in at most one pair. Returns index pairs [i, j] with i < j, in the order of the first name.
 */
export function symmetricPairsByName(names: readonly string[]): Array<[number, number]> {
  const index = new Map<string, number>();
  names.forEach((name, i) => {
    if (!index.has(name)) index.set(name, i);
  });
  const used = new Set<number>();
  const pairs: Array<[number, number]> = [];
  names.forEach((name, i) => {
    if (used.has(i)) return;
    for (const candidate of mirrorCandidates(name)) {
      const j = index.get(candidate);
      if (j === undefined || j === i || used.has(j)) continue;
      used.add(i);
      used.add(j);
      pairs.push(i < j ? [i, j] : [j, i]);
      return;
    }
  });
  return pairs.sort((p, q) => p[0] - q[0]);
}

/** The permutation a flip applies: perm[k] = the body part whose (mirrored) position k takes. */
export function flipPermutation(count: number, pairs: SymmetryPairs | undefined): Int32Array {
  const perm = new Int32Array(count);
  for (let k = 0; k < count; k++) perm[k] = k;
  for (const [i, j] of pairs ?? []) {
    if (!Number.isInteger(i) || !Number.isInteger(j) || i < 0 || j < 0 || i >= count || j >= count) {
      throw new Error(`augment: symmetry pair [${i}, ${j}] is out of range for ${count} body parts`);
    }
    perm[i] = j;
    perm[j] = i;
  }
  return perm;
}
