import { HerdError } from '../common/errors';

/** An RGB colour with components in [0, 1]. */
export type Rgb = [number, number, number];

type Channel = Array<[number, number, number]> | ((x: number) => number);

/** Matplotlib's LinearSegmentedColormap data: per channel, (x, y0, y1) anchors or a function of x. */
interface Segmented {
  red: Channel;
  green: Channel;
  blue: Channel;
}

// matplotlib/_cm.py: _jet_data.
const JET: Segmented = {
  red: [[0, 0, 0], [0.35, 0, 0], [0.66, 1, 1], [0.89, 1, 1], [1, 0.5, 0.5]],
  green: [[0, 0, 0], [0.125, 0, 0], [0.375, 1, 1], [0.64, 1, 1], [0.91, 0, 0], [1, 0, 0]],
  blue: [[0, 0.5, 0.5], [0.11, 1, 1], [0.34, 1, 1], [0.65, 0, 0], [1, 0, 0]],
};

// matplotlib/_cm.py: _rainbow_data = {red: gfunc[33], green: gfunc[13], blue: gfunc[10]}.
const RAINBOW: Segmented = {
  red: (x) => Math.abs(2 * x - 0.5),
  green: (x) => Math.sin(x * Math.PI),
  blue: (x) => Math.cos((x * Math.PI) / 2),
};

// matplotlib/_cm.py: _binary_data, _gray_data (two more simple ones).
const GRAY: Segmented = { red: [[0, 0, 0], [1, 1, 1]], green: [[0, 0, 0], [1, 1, 1]], blue: [[0, 0, 0], [1, 1, 1]] };

// matplotlib/_cm_listed.py: _viridis_data (256 entries), quantised to 8 bits per channel (max error 0.002).
const VIRIDIS_HEX =
  '44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164471365481467481668481769' +
  '48186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576482677482878482979472a7a472c7a' +
  '472d7b472e7c472f7d46307e46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f85' +
  '4240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b' +
  '3b528b3a538b3a548c39558c39568c38588c38598c375a8c375b8d365c8d365d8d355e8d355f8d34608d34618d33628d' +
  '33638d32648e32658e31668e31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e' +
  '2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e' +
  '26828e26828e25838e25848e25858e24868e24878e23888e23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d' +
  '21918c20928c20928c20938c1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f88' +
  '1fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa8325ab8225ac8226ad8127ad81' +
  '28ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b32b67a34b67935b77937b87838b9773aba763bbb753dbc74' +
  '3fbc7340bd7242be7144bf7046c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc863' +
  '5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e81d34d' +
  '84d44b86d54989d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32' +
  'addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21a' +
  'd8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61ef6e620f8e621fbe723fde725' +
  '';

function listed(hex: string): Rgb[] {
  const out: Rgb[] = [];
  for (let i = 0; i < hex.length; i += 6) {
    out.push([0, 2, 4].map((o) => parseInt(hex.slice(i + o, i + o + 2), 16) / 255) as Rgb);
  }
  return out;
}

const VIRIDIS = listed(VIRIDIS_HEX);

/** matplotlib's _create_lookup_table for one channel, evaluated at x in [0, 1]. */
function channelAt(channel: Channel, x: number): number {
  if (typeof channel === 'function') return Math.min(1, Math.max(0, channel(x)));
  let k = 1;
  while (k < channel.length - 1 && channel[k][0] < x) k++;
  const [x0, , y0] = channel[k - 1];
  const [x1, y1] = channel[k];
  if (x <= channel[0][0]) return channel[0][2];
  return y0 + ((x - x0) / (x1 - x0)) * (y1 - y0);
}

export const COLORMAPS = ['rainbow', 'jet', 'viridis', 'gray'] as const;

/**
 * The n colours of `plt.get_cmap(name, n)`: the map resampled to n entries, i.e. the map at i / (n - 1).
 * Listed maps (viridis) pick the nearest of their 256 entries, as matplotlib does.
 */
export function colormapColors(name: string, n: number): Rgb[] {
  const positions = Array.from({ length: n }, (_, i) => (n === 1 ? 0 : i / (n - 1)));
  if (name === 'viridis') return positions.map((x) => VIRIDIS[Math.min(255, Math.floor(x * 256))]);
  const data = name === 'jet' ? JET : name === 'rainbow' ? RAINBOW : name === 'gray' ? GRAY : undefined;
  if (!data) throw new HerdError('COLORMAP_UNKNOWN', `unknown colormap "${name}" (Herd knows ${COLORMAPS.join(', ')})`);
  // matplotlib's convention for a 1-entry table of an anchored (not functional) channel: its value at x = 1.
  const at = (channel: Channel, x: number) => channelAt(channel, n === 1 && typeof channel !== 'function' ? 1 : x);
  return positions.map((x) => [at(data.red, x), at(data.green, x), at(data.blue, x)]);
}

/** Matplotlib's named colours that configs use for `skeleton_color` (plus #rrggbb). */
export function namedColor(name: string): Rgb {
  const named: Record<string, string> = {
    black: '000000', white: 'ffffff', red: 'ff0000', green: '008000', blue: '0000ff', yellow: 'ffff00',
    cyan: '00ffff', magenta: 'ff00ff', gray: '808080', grey: '808080', orange: 'ffa500', purple: '800080',
    k: '000000', w: 'ffffff', r: 'ff0000', g: '008000', b: '0000ff', y: 'bfbf00', c: '00bfbf', m: 'bf00bf',
  };
  const hex = named[name.toLowerCase()] ?? (/^#[0-9a-f]{6}$/i.test(name) ? name.slice(1) : undefined);
  if (!hex) throw new HerdError('COLOR_UNKNOWN', `unknown colour "${name}" (use a name such as black, or #rrggbb)`);
  return listed(hex)[0];
}
