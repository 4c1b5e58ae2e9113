// The ONE keymap of the refinement panel: it drives the key bindings and the `?` help overlay.
import { FRAME_NAVIGATION_KEYS, matchBinding, type FrameNavigationAction, type KeyBinding, type KeyLike } from '../shared/keys';

export type RefineAction =
  | FrameNavigationAction
  | 'prevFlagged'
  | 'nextFlagged'
  | 'markStart'
  | 'markEnd'
  | 'clearRange'
  | 'swap'
  | 'delete'
  | 'undo'
  | 'redo'
  | 'save'
  | 'help';

export type RefineBinding = KeyBinding<RefineAction>;

export const REFINE_KEYMAP: RefineBinding[] = [
  ...FRAME_NAVIGATION_KEYS,
  { keys: ['p', 'P'], action: 'prevFlagged', label: 'P', description: 'previous flagged frame (a jump)' },
  { keys: ['n', 'N'], action: 'nextFlagged', label: 'N', description: 'next flagged frame (a jump)' },
  { keys: ['['], action: 'markStart', label: '[', description: 'range starts here' },
  { keys: [']'], action: 'markEnd', label: ']', description: 'range ends here' },
  { keys: ['Escape'], action: 'clearRange', label: 'Esc', description: 'clear the range and the point selection' },
  { keys: ['s', 'S'], action: 'swap', label: 'S', description: 'swap the two chosen individuals over the range' },
  { keys: ['Delete', 'Backspace'], action: 'delete', label: 'Delete', description: 'delete the selected point (NaN), else the points in the range' },
  { keys: ['z', 'Z'], ctrl: true, action: 'undo', label: 'Ctrl+Z', description: 'undo' },
  { keys: ['z', 'Z'], ctrl: true, shift: true, action: 'redo', label: 'Ctrl+Shift+Z', description: 'redo' },
  { keys: ['y', 'Y'], ctrl: true, action: 'redo', label: 'Ctrl+Y', description: 'redo' },
  { keys: ['s', 'S'], ctrl: true, action: 'save', label: 'Ctrl+S', description: 'save <table>_refined.h5 + .csv' },
  { keys: ['?'], action: 'help', label: '?', description: 'this help' },
];

/** The action of a key press, or undefined (see `matchBinding`). */
export function refineActionFor(event: KeyLike): RefineAction | undefined {
  return matchBinding(REFINE_KEYMAP, event)?.action;
}
