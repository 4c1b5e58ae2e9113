// The ONE keymap of the labeling panel: it drives both the key bindings and the `?` help overlay.
import { matchBinding, type KeyBinding, type KeyLike } from '../shared/keys';

export type Action =
  | 'prevFrame'
  | 'nextFrame'
  | 'nextUnlabeled'
  | 'prevPart'
  | 'nextPart'
  | 'remove'
  | 'undo'
  | 'redo'
  | 'copyAnimal'
  | 'copyAll'
  | 'save'
  | 'help'
  | 'fit'
  | 'animal';

/** `animal` picks individual N − 1 for key N. */
export type Binding = KeyBinding<Action>;

export const KEYMAP: Binding[] = [
  { keys: ['ArrowLeft'], action: 'prevFrame', label: '←', description: 'previous frame' },
  { keys: ['ArrowRight'], action: 'nextFrame', label: '→', description: 'next frame' },
  { keys: ['ArrowRight'], shift: true, action: 'nextUnlabeled', label: 'Shift+→', description: 'next unlabeled frame' },
  { keys: ['ArrowUp'], action: 'prevPart', label: '↑', description: 'previous body part' },
  { keys: ['ArrowDown'], action: 'nextPart', label: '↓', description: 'next body part' },
  { keys: ['1', '2', '3', '4', '5', '6', '7', '8', '9'], action: 'animal', label: '1…9', description: 'pick individual N (after the individuals: the unique body parts)' },
  { keys: ['Delete', 'Backspace'], action: 'remove', label: 'Delete', description: 'remove the selected body part’s point' },
  { keys: ['z', 'Z'], ctrl: true, action: 'undo', label: 'Ctrl+Z', description: 'undo' },
  { keys: ['z', 'Z'], ctrl: true, shift: true, action: 'redo', label: 'Ctrl+Shift+Z', description: 'redo' },
  { keys: ['y', 'Y'], ctrl: true, action: 'redo', label: 'Ctrl+Y', description: 'redo' },
  { keys: ['c', 'C'], ctrl: true, action: 'copyAnimal', label: 'Ctrl+C', description: 'copy the previous frame’s labels of the selected individual' },
  { keys: ['c', 'C'], ctrl: true, shift: true, action: 'copyAll', label: 'Ctrl+Shift+C', description: 'copy the previous frame’s labels of every individual' },
  { keys: ['s', 'S'], ctrl: true, action: 'save', label: 'Ctrl+S', description: 'save (CollectedData .h5 and .csv)' },
  { keys: ['0'], action: 'fit', label: '0', description: 'fit the image' },
  { keys: ['?'], action: 'help', label: '?', description: 'this help' },
];

/** The action a key press triggers, or undefined (see `matchBinding`). */
export function actionFor(event: KeyLike): { action: Action; animal?: number } | undefined {
  const binding = matchBinding(KEYMAP, event);
  if (!binding) return undefined;
  return binding.action === 'animal' ? { action: 'animal', animal: Number(event.key) - 1 } : { action: binding.action };
}

/** Help overlay rows (bindings with a label). */
export function helpRows(): Array<{ label: string; description: string }> {
  return KEYMAP.map((b) => ({ label: b.label, description: b.description }));
}
