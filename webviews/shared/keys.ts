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
