/**
 * Gradient kernels for tfjs's `wasm` backend, expressed as forward convolutions that XNNPACK runs fast.
 *
 * Notation (NHWC): x [B,H,W,Ci], filter w [kh,kw,Ci,Co], dy [B,Ho,Wo,Co], strides (sh,sw), dilation 1, and the
 * top/left padding (pt,pl) that tfjs's own conv2d uses for that padding mode (backend_util.computeConv2DInfo).
 *
 *   Conv2DBackpropInput   stride 1: dx = conv2d(dy, rev(w)ᵀ, explicit pad [kh-1-pt, H-Ho+pt] × [kw-1-pl, W-Wo+pl]),
 *                         rev(w)ᵀ: w reversed along kh,kw and transposed to [kh,kw,Co,Ci].
 *                         stride s: polyphase — s_h·s_w stride-1 convs of dy with strided sub-filters of rev(w)ᵀ,
 *                         interleaved (Pack + Reshape) and cropped; the forward pass's FLOPs, not s² more as
 *                         zero-inserting dy would cost (that path stays behind attr __herdZeroInsert for bench/tests).
 *   Conv2DBackpropFilter  dW = transpose(conv2d(xᵀ, dyᵀ, stride 1, dilation (sh,sw), explicit pad [pt, kh+(Ho-1)sh-H-pt] × …), [1,2,0,3])
 *                         xᵀ = x as [Ci,H,W,B] (Ci is the "batch", B the channels), dyᵀ = dy as [Ho,Wo,B,Co] (the "filter").
 *
 * Negative "paddings" (rows of the input that the forward pass never read) become slices. Every kernel is built from
 * wasm kernels (Conv2D, Transpose, Reverse, StridedSlice, Pack, Fill, PadV2, Slice, Reshape) called directly on the backend, so no tensor is
 * tracked by the engine and intermediates are released with backend.disposeData.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util, getKernel, registerKernel, type KernelConfig, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';

type WasmBackend = tf.KernelBackend;

/** Runs a wasm kernel directly on the backend (no engine bookkeeping) and remembers the output for disposal. */
class KernelScope {
  private temps: TensorInfo[] = [];
  constructor(readonly backend: WasmBackend) {}

  run(name: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
    return this.runMulti(name, inputs, attrs)[0]!;
  }

  runMulti(name: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo[] {
    const k = getKernel(name, 'wasm');
    if (!k) throw new Error(`wasm kernel ${name} is not registered`);
    const out = k.kernelFunc({ inputs, attrs, backend: this.backend });
    const outs = Array.isArray(out) ? out : [out];
    this.temps.push(...outs);
    return outs;
  }

  /** Disposes every intermediate except `keep`. */
  finish(keep: TensorInfo): TensorInfo {
    for (const t of this.temps) if (t !== keep) this.backend.disposeData(t.dataId);
    this.temps = [];
    return keep;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }
  reverse(x: TensorInfo, dims: number[]): TensorInfo {
    return this.run('Reverse', { x }, { dims });
  }
  pad(x: TensorInfo, paddings: [number, number][]): TensorInfo {
    return this.run('PadV2', { x }, { paddings: paddings as unknown as number[][], constantValue: 0 } as unknown as NamedAttrMap);
  }
  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }
  conv2d(
    x: TensorInfo,
    filter: TensorInfo,
    pads: { top: number; bottom: number; left: number; right: number },
    dilations: [number, number] = [1, 1],
  ): TensorInfo {
    // Negative paddings: crop the input instead.
    let input = x;
    const [b, h, w, c] = x.shape as [number, number, number, number];
    const cropT = Math.max(0, -pads.top);
    const cropB = Math.max(0, -pads.bottom);
    const cropL = Math.max(0, -pads.left);
    const cropR = Math.max(0, -pads.right);
    if (cropT || cropB || cropL || cropR) {
      input = this.slice(x, [0, cropT, cropL, 0], [b, h - cropT - cropB, w - cropL - cropR, c]);
    }
    const pad = [
      [0, 0],
      [Math.max(0, pads.top), Math.max(0, pads.bottom)],
      [Math.max(0, pads.left), Math.max(0, pads.right)],
      [0, 0],
    ];
    return this.run(
      'Conv2D',
      { x: input, filter },
      { strides: [1, 1], pad, dataFormat: 'NHWC', dilations, dimRoundingMode: undefined } as unknown as NamedAttrMap,
    );
  }
}

function attrStrides(strides: unknown): [number, number] {
  if (typeof strides === 'number') return [strides, strides];
  const s = strides as number[];
  return [s[0]!, s[1]!];
}

function checkNHWC(dataFormat: unknown, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`${kernel} (Herd wasm gradients): only NHWC is supported, got ${String(dataFormat)}`);
  }
}

/** Inserts (sh-1) zero rows after every row and (sw-1) zero columns after every column: [B,Ho,Wo,C] → [B,Ho·sh,Wo·sw,C]. */
function zeroInsert(k: KernelScope, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return dy;
  const [b, ho, wo, c] = dy.shape as [number, number, number, number];
  const r = k.reshape(dy, [b * ho, 1, wo, 1, c]);
  const p = k.pad(r, [
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  return k.reshape(p, [b, ho * sh, wo * sw, c]);
}

/** dx of conv2d from forward convolutions of dy with the flipped, transposed filter (polyphase for strides > 1). */
export function conv2DBackpropInputWasm(args: { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: WasmBackend; attrs: NamedAttrMap }): TensorInfo {
  const { dy, filter } = args.inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  checkNHWC(dataFormat, 'Conv2DBackpropInput');
  const xShape = inputShape as [number, number, number, number];
  const fShape = filter.shape as [number, number, number, number];
  const info = backend_util.computeConv2DInfo(xShape, fShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [sh, sw] = attrStrides(strides);
  const [kh, kw] = fShape;
  const [, H, W] = xShape;
  const k = new KernelScope(args.backend);
  const wt = k.transpose(k.reverse(filter, [0, 1]), [0, 1, 3, 2]); // [kh,kw,Co,Ci], flipped
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  if (sh === 1 && sw === 1) {
    const out = k.conv2d(dy, wt, { top: kh - 1 - pt, bottom: H - dy.shape[1]! + pt, left: kw - 1 - pl, right: W - dy.shape[2]! + pl });
    return k.finish(out);
  }
  if (args.attrs.__herdZeroInsert) {
    // Reference path (kept for the bench): zero-insert dy, then one stride-1 convolution (s² more work).
    const dyz = zeroInsert(k, dy, sh, sw);
    const out = k.conv2d(dyz, wt, { top: kh - 1 - pt, bottom: H - dyz.shape[1]! + pt, left: kw - 1 - pl, right: W - dyz.shape[2]! + pl });
    return k.finish(out);
  }
  return k.finish(polyphaseBackpropInput(k, dy, wt, { H, W, kh, kw, sh, sw, pt, pl }));
}

/**
 * Strided dx without zero insertion: output rows u = h + pt split into sh phases r = u mod sh; phase r only sees the
 * filter taps p ≡ r (mod sh), so each of the sh·sw phases is a stride-1 convolution of dy with a sub-filter
 * (T = ⌈(k − r)/s⌉ taps), computing exactly the forward pass's FLOPs in total. The phases are interleaved with
 * Pack + Reshape and the padding rows cropped.
 */
function polyphaseBackpropInput(
  k: KernelScope,
  dy: TensorInfo,
  wt: TensorInfo,
  g: { H: number; W: number; kh: number; kw: number; sh: number; sw: number; pt: number; pl: number },
): TensorInfo {
  const [B, Ho, Wo] = dy.shape as [number, number, number, number];
  const Co = wt.shape[2]!;
  const Ci = wt.shape[3]!;
  const Qh = Math.ceil((g.pt + g.H) / g.sh);
  const Qw = Math.ceil((g.pl + g.W) / g.sw);
  const rows: TensorInfo[] = [];
  for (let rh = 0; rh < g.sh; rh++) {
    const Th = rh < g.kh ? Math.ceil((g.kh - rh) / g.sh) : 0;
    const cols: TensorInfo[] = [];
    for (let rw = 0; rw < g.sw; rw++) {
      const Tw = rw < g.kw ? Math.ceil((g.kw - rw) / g.sw) : 0;
      if (Th === 0 || Tw === 0) {
        cols.push(k.run('Fill', {}, { shape: [B, Qh, Qw, Ci], value: 0, dtype: 'float32' }));
        continue;
      }
      // wt[p'] = w[kh-1-p']: the sub-filter wf[t'] = w[r + s(T-1-t')] = wt[b + s·t'] with b = (k-1-r) mod s.
      const bh = (g.kh - 1 - rh) % g.sh;
      const bw = (g.kw - 1 - rw) % g.sw;
      const sub =
        g.kh === 1 && g.kw === 1
          ? wt
          : k.run(
              'StridedSlice',
              { x: wt },
              {
                begin: [bh, bw, 0, 0],
                end: [bh + g.sh * (Th - 1) + 1, bw + g.sw * (Tw - 1) + 1, Co, Ci],
                strides: [g.sh, g.sw, 1, 1],
                beginMask: 0,
                endMask: 0,
                ellipsisMask: 0,
                newAxisMask: 0,
                shrinkAxisMask: 0,
              },
            );
      cols.push(k.conv2d(dy, sub, { top: Th - 1, bottom: Qh - Ho, left: Tw - 1, right: Qw - Wo }));
    }
    const packed = g.sw === 1 ? cols[0]! : k.run('Pack', cols as unknown as Record<string, TensorInfo>, { axis: 3 }); // [B,Qh,Qw,sw,Ci]
    rows.push(k.reshape(packed, [B, Qh, Qw * g.sw, Ci]));
  }
  const all = g.sh === 1 ? rows[0]! : k.run('Pack', rows as unknown as Record<string, TensorInfo>, { axis: 2 }); // [B,Qh,sh,Qw·sw,Ci]
  const full = k.reshape(all, [B, Qh * g.sh, Qw * g.sw, Ci]);
  if (g.pt === 0 && g.pl === 0 && Qh * g.sh === g.H && Qw * g.sw === g.W) return full;
  return k.slice(full, [0, g.pt, g.pl, 0], [B, g.H, g.W, Ci]);
}


/** dW of conv2d as a forward convolution over transposed tensors (xᵀ as input, dyᵀ as a dilated filter). */
export function conv2DBackpropFilterWasm(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: WasmBackend; attrs: NamedAttrMap }): TensorInfo {
  const { x, dy } = args.inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  checkNHWC(dataFormat, 'Conv2DBackpropFilter');
  const xShape = x.shape as [number, number, number, number];
  const fShape = filterShape as [number, number, number, number];
  const info = backend_util.computeConv2DInfo(xShape, fShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [sh, sw] = attrStrides(strides);
  const [kh, kw] = fShape;
  const [, H, W] = xShape;
  const ho = dy.shape[1]!;
  const wo = dy.shape[2]!;
  const k = new KernelScope(args.backend);
  const xt = k.transpose(x, [3, 1, 2, 0]); // [Ci,H,W,B]
  const dyt = k.transpose(dy, [1, 2, 0, 3]); // [Ho,Wo,B,Co]
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const r = k.conv2d(
    xt,
    dyt,
    { top: pt, bottom: kh + (ho - 1) * sh - H - pt, left: pl, right: kw + (wo - 1) * sw - W - pl },
    [sh, sw],
  ); // [Ci,kh,kw,Co]
  const out = k.transpose(r, [1, 2, 0, 3]);
  return k.finish(out);
}

/**
 * MaxPoolGrad: wasm's own kernel returns wrong gradients (measured: 38–52 % max relative error against `cpu` on
 * 3×3/2 'same' and 2×2/2 'valid' pools), and wasm's MaxPoolWithArgmax returns wrong indices for some shapes
 * (1 channel), so neither can be used. This one is a plain loop over the wasm heap: each dy element goes to the
 * first maximum of its window in row-major scan order — cpu's semantics, ties included (ReLU zeros tie often).
 * Cost: B·Ho·Wo·C·kh·kw comparisons (≈ 5 M for a 3×3/2 pool of 8×128×128×32, ~10–20 ms).
 */
export function maxPoolGradWasm(args: { inputs: { dy: TensorInfo; input: TensorInfo }; backend: WasmBackend; attrs: NamedAttrMap }): TensorInfo {
  const { dy, input } = args.inputs;
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const backend = args.backend as unknown as {
    makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
    typedArrayFromHeap(t: TensorInfo): Float32Array;
  };
  const dx = backend.makeOutput(input.shape, 'float32');
  const xv = backend.typedArrayFromHeap(input);
  const dyv = backend.typedArrayFromHeap(dy);
  const dxv = backend.typedArrayFromHeap(dx);
  dxv.fill(0);
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo, strideHeight: sh, strideWidth: sw } = info;
  const kh = info.effectiveFilterHeight;
  const kw = info.effectiveFilterWidth;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < Ho; i++) {
      const y0 = i * sh - pt;
      const ya = Math.max(0, y0);
      const yb = Math.min(H, y0 + kh);
      for (let j = 0; j < Wo; j++) {
        const x0 = j * sw - pl;
        const xa = Math.max(0, x0);
        const xb = Math.min(W, x0 + kw);
        const dyBase = ((b * Ho + i) * Wo + j) * C;
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let bestIdx = -1;
          for (let y = ya; y < yb; y++) {
            let idx = ((b * H + y) * W + xa) * C + c;
            for (let x = xa; x < xb; x++, idx += C) {
              const v = xv[idx]!;
              if (v > best || bestIdx < 0) {
                best = v;
                bestIdx = idx;
              }
            }
          }
          if (bestIdx >= 0) dxv[bestIdx]! += dyv[dyBase + c]!;
        }
      }
    }
  }
  return dx;
}

export const HERD_WASM_GRADIENT_KERNELS: KernelConfig[] = [
  { kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', kernelFunc: conv2DBackpropInputWasm as unknown as tf.KernelFunc },
  { kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2DBackpropFilterWasm as unknown as tf.KernelFunc },
  { kernelName: tf.MaxPoolGrad, backendName: 'wasm', kernelFunc: maxPoolGradWasm as unknown as tf.KernelFunc },
];

/**
 * Registers Herd's gradient kernels for the wasm backend (replacing wasm's own naive Conv2DBackpropInput and its
 * wrong MaxPoolGrad).
 * Idempotent; returns the kernel names now served by Herd's implementations.
 */
export function registerWasmGradientKernels(): string[] {
  const names: string[] = [];
  for (const cfg of HERD_WASM_GRADIENT_KERNELS) {
    const existing = getKernel(cfg.kernelName, 'wasm');
    if (existing?.kernelFunc === cfg.kernelFunc) {
      names.push(cfg.kernelName);
      continue;
    }
    if (existing) tf.unregisterKernel(cfg.kernelName, 'wasm');
    registerKernel(cfg);
    names.push(cfg.kernelName);
  }
  return names;
}
