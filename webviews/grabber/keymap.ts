// The ONE keymap of the frame grabber: it drives the key bindings and the `?` help overlay.
import { FRAME_NAVIGATION_KEYS, matchBinding, type FrameNavigationAction, type KeyBinding, type KeyLike } from '../shared/keys';

export type GrabberAction =
  | FrameNavigationAction
  | 'grab'
  | 'toggleView'
  | 'selectDuplicates'
  | 'selectAll'
  | 'clearSelection'
  | 'delete'
  | 'help';

export type GrabberBinding = KeyBinding<GrabberAction>;

export const GRABBER_KEYMAP: GrabberBinding[] = [
  ...FRAME_NAVIGATION_KEYS,
  { keys: ['g', 'G'], action: 'grab', label: 'G', description: 'grab this frame into labeled-data' },
  { keys: ['t', 'T'], action: 'toggleView', label: 'T', description: 'switch between the scrubber and the frame grid' },
  { keys: ['d', 'D'], action: 'selectDuplicates', label: 'D', description: 'grid: select the near-duplicates (keeps one of each group, a labeled one if any)' },
  { keys: ['a', 'A'], ctrl: true, action: 'selectAll', label: 'Ctrl+A', description: 'grid: select every frame' },
  { keys: ['Escape'], action: 'clearSelection', label: 'Esc', description: 'clear the selection / close the question' },
  { keys: ['Delete', 'Backspace'], action: 'delete', label: 'Delete', description: 'grid: delete the selected frames (asks first when some are labeled)' },
  { keys: ['?'], action: 'help', label: '?', description: 'this help' },
];

/** The action of a key press, or undefined (see `matchBinding`). */
export function grabberActionFor(event: KeyLike): GrabberAction | undefined {
  return matchBinding(GRABBER_KEYMAP, event)?.action;
}
