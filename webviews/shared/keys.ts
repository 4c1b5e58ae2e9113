// Key bindings shared by the panels: each panel has ONE keymap (a list of these) that drives both its key handling
// and its `?` help overlay.

export interface KeyBinding<A extends string> {
  /** KeyboardEvent.key values (any of them). */
  keys: string[];
  ctrl?: boolean;
  shift?: boolean;
  action: A;
  /** What the help overlay shows. */
  label: string;
  description: string;
}

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  shiftKey?: boolean;
  altKey?: boolean;
}

/** The binding a key press matches, or undefined. Ctrl and Cmd are the same; Shift must match (except for `help`,
 *  whose `?` needs Shift on most layouts); Alt matches nothing. */
export function matchBinding<A extends string>(keymap: readonly KeyBinding<A>[], event: KeyLike): KeyBinding<A> | undefined {
  if (event.altKey) return undefined;
  const ctrl = Boolean(event.ctrlKey || event.metaKey);
  const shift = Boolean(event.shiftKey);
  return keymap.find((binding) => binding.keys.includes(event.key) && Boolean(binding.ctrl) === ctrl && (binding.action === 'help' || Boolean(binding.shift) === shift));
}

/** The frame-navigation actions the frame panels (grabber, refinement) share. */
export type FrameNavigationAction = 'prevFrame' | 'nextFrame' | 'prevFrame10' | 'nextFrame10' | 'first' | 'last';

/** ←/→ one frame, Shift+←/→ ten, Home/End the first/last: spread at the head of a panel's keymap (also its `?` rows). */
export const FRAME_NAVIGATION_KEYS: readonly KeyBinding<FrameNavigationAction>[] = [
  { keys: ['ArrowLeft'], action: 'prevFrame', label: '←', description: 'previous frame' },
  { keys: ['ArrowRight'], action: 'nextFrame', label: '→', description: 'next frame' },
  { keys: ['ArrowLeft'], shift: true, action: 'prevFrame10', label: 'Shift+←', description: '10 frames back' },
  { keys: ['ArrowRight'], shift: true, action: 'nextFrame10', label: 'Shift+→', description: '10 frames on' },
  { keys: ['Home'], action: 'first', label: 'Home', description: 'first frame' },
  { keys: ['End'], action: 'last', label: 'End', description: 'last frame' },
];
