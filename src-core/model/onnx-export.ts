/**
 * Exports a model graph (graph.ts) with its parameter values to an ONNX model (opset 17, IR 8) that computes
 * exactly what runTfModel(…, training = false) computes: NHWC image in, raw (logit) head outputs in NHWC out.
 *
 * Inside, the ONNX graph is NCHW (the layout of ONNX's Conv / MaxPool / Resize): one Transpose after the input
 * and one before each output. Batch norm (inference statistics) is folded into the convolution's weights.
 */
import { onnx } from 'onnx-proto';
import { channelsOf, INPUT, parameterSpecs, type ConvNode, type HeadOutput, type ModelGraph } from './graph';

export interface OnnxExportOptions {
  /** Written to the model's metadata_props (body parts, stride, locref std, PAF graph… as strings). */
  metadata?: Record<string, string>;
  producerVersion?: string;
}

const OPSET = 17;
const IR_VERSION = 8;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const { INTS, STRING } = onnx.AttributeProto.AttributeType;

/** The ONNX model (protobuf bytes) of `graph` with parameters `values` (named as parameterSpecs names them). */
export function exportOnnx(graph: ModelGraph, values: ReadonlyMap<string, Float32Array>, options: OnnxExportOptions = {}): Uint8Array {
  const channels = channelsOf(graph);
  for (const spec of parameterSpecs(graph)) {
    const value = values.get(spec.name);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (!value) throw new Error(`ONNX export: parameter ${spec.name} is missing`);
    if (value.length !== size) throw new Error(`ONNX export: parameter ${spec.name} has ${value.length} values, its shape [${spec.shape}] needs ${size}`);
  }

  const nodes: onnx.INodeProto[] = [];
  const initializers: onnx.ITensorProto[] = [];
  // ONNX value names must be unique across inputs, outputs, node outputs and initializers. Internal values take
  // the graph's node names; initializers contain a '/', so only the head output names can collide.
  const nchw = (name: string) => (name === INPUT ? `${INPUT}_nchw` : name);
  const used = new Set([INPUT, nchw(INPUT), ...graph.nodes.map((n) => n.name)]);

  nodes.push(node('Transpose', [INPUT], [nchw(INPUT)], `${INPUT}_to_nchw`, [ints('perm', [0, 3, 1, 2])]));
  for (const n of graph.nodes) {
    switch (n.op) {
      case 'conv': {
        const { weight, bias } = foldConv(n, values);
        initializers.push(tensor(`${n.name}/W`, [n.filters, n.inChannels, n.kernel, n.kernel], weight));
        initializers.push(tensor(`${n.name}/B`, [n.filters], bias));
        const out = n.activation === 'relu' ? `${n.name}/pre_relu` : n.name;
        nodes.push(node('Conv', [nchw(n.input), `${n.name}/W`, `${n.name}/B`], [out], n.name, [
          ints('kernel_shape', [n.kernel, n.kernel]),
          ints('strides', [n.stride, n.stride]),
          ints('dilations', [n.dilation, n.dilation]),
          ...samePadding(n.name, n.kernel, n.stride, n.dilation),
        ]));
        if (n.activation === 'relu') nodes.push(node('Relu', [out], [n.name], `${n.name}/relu`));
        break;
      }
      case 'add': {
        const out = n.activation === 'relu' ? `${n.name}/pre_relu` : n.name;
        nodes.push(node('Add', n.inputs.map(nchw), [out], n.name));
        if (n.activation === 'relu') nodes.push(node('Relu', [out], [n.name], `${n.name}/relu`));
        break;
      }
      case 'maxpool':
        // ONNX MaxPool never counts padded cells (as if −∞), as TF's 'same' max pool.
        nodes.push(node('MaxPool', [nchw(n.input)], [n.name], n.name, [
          ints('kernel_shape', [n.size, n.size]),
          ints('strides', [n.stride, n.stride]),
          ...samePadding(n.name, n.size, n.stride, 1),
        ]));
        break;
      case 'upsample': {
        if (!Number.isInteger(n.factor) || n.factor < 1) throw new Error(`ONNX export: ${n.name} upsamples by ${n.factor}; only integer factors ≥ 1 are supported`);
        // 'asymmetric' maps output x to input x / factor: TF's legacy bilinear (align_corners = false,
        // half_pixel_centers = false). The roi input is only read by 'tf_crop_and_resize': left empty.
        initializers.push(tensor(`${n.name}/scales`, [4], new Float32Array([1, 1, n.factor, n.factor])));
        nodes.push(node('Resize', [nchw(n.input), '', `${n.name}/scales`], [n.name], n.name, [
          str('mode', 'linear'),
          str('coordinate_transformation_mode', 'asymmetric'),
        ]));
        break;
      }
      default:
        throw new Error(`ONNX export: unsupported node ${JSON.stringify(n)}`);
    }
  }

  const outputs: onnx.IValueInfoProto[] = [];
  for (const [output, source] of Object.entries(graph.outputs) as Array<[HeadOutput, string]>) {
    if (used.has(output)) throw new Error(`ONNX export: head output name ${output} is also a node name of the graph`);
    used.add(output);
    nodes.push(node('Transpose', [source], [output], `${output}_to_nhwc`, [ints('perm', [0, 2, 3, 1])]));
    outputs.push(valueInfo(output, ['batch', 'out_height', 'out_width', channels.get(source)!]));
  }

  const model: onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'herd',
    producerVersion: options.producerVersion ?? '',
    graph: {
      name: graph.netType,
      node: nodes,
      initializer: initializers,
      input: [valueInfo(INPUT, ['batch', 'height', 'width', 3])],
      output: outputs,
    },
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  return onnx.ModelProto.encode(model).finish();
}

/**
 * The convolution with its batch norm folded in, kernel in ONNX layout [out, in, kh, kw]:
 * W' = W·scale, b' = (b − mean)·scale + beta per output channel, scale = gamma / √(var + ε). In float64, so
 * the only difference to the tfjs forward pass is float32 rounding.
 */
function foldConv(n: ConvNode, values: ReadonlyMap<string, Float32Array>): { weight: Float32Array; bias: Float32Array } {
  const kernel = values.get(`${n.name}/kernel`)!; // [kh, kw, in, out]
  const bias = n.bias ? values.get(`${n.name}/bias`)! : new Float32Array(n.filters);
  const scale = new Float64Array(n.filters).fill(1);
  const shift = new Float64Array(n.filters);
  for (let o = 0; o < n.filters; o++) shift[o] = bias[o]!;
  if (n.batchNorm) {
    const p = (kind: string) => values.get(`${n.batchNorm!.name}/${kind}`)!;
    const [gamma, beta, mean, variance] = [p('gamma'), p('beta'), p('moving_mean'), p('moving_variance')];
    for (let o = 0; o < n.filters; o++) {
      scale[o] = gamma[o]! / Math.sqrt(variance[o]! + n.batchNorm.epsilon);
      shift[o] = (bias[o]! - mean[o]!) * scale[o]! + beta[o]!;
    }
  }
  const k = n.kernel;
  const cin = n.inChannels;
  const cout = n.filters;
  const weight = new Float32Array(kernel.length);
  for (let y = 0; y < k; y++)
    for (let x = 0; x < k; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) weight[((o * cin + i) * k + y) * k + x] = kernel[((y * k + x) * cin + i) * cout + o]! * scale[o]!;
  return { weight, bias: Float32Array.from(shift) };
}

/**
 * TF 'same' padding for any input size. TF pads max((⌈n/s⌉ − 1)·s + k' − n, 0) in total (k' the dilated
 * kernel), the odd one at the end. With stride 1 that is k' − 1 whatever n: explicit pads, ⌊(k'−1)/2⌋ before.
 * With stride > 1 it depends on n mod s: ONNX's SAME_UPPER computes the same thing at run time (its extra cell is
 * also at the end), but ONNX Runtime rejects SAME_* with dilation, as tfjs rejects stride > 1 with dilation.
 */
function samePadding(name: string, kernel: number, stride: number, dilation: number): onnx.IAttributeProto[] {
  if (!Number.isInteger(kernel) || kernel < 1 || !Number.isInteger(stride) || stride < 1 || !Number.isInteger(dilation) || dilation < 1) {
    throw new Error(`ONNX export: ${name} has kernel ${kernel}, stride ${stride}, dilation ${dilation}; all must be integers ≥ 1`);
  }
  if (stride === 1) {
    const total = dilation * (kernel - 1);
    const before = Math.floor(total / 2);
    return [ints('pads', [before, before, total - before, total - before])];
  }
  if (dilation !== 1) throw new Error(`ONNX export: ${name} has stride ${stride} and dilation ${dilation}; 'same' padding for both at once is not supported`);
  return [str('auto_pad', 'SAME_UPPER')];
}

function node(opType: string, input: string[], output: string[], name: string, attribute: onnx.IAttributeProto[] = []): onnx.INodeProto {
  return { opType, input, output, name, attribute };
}

function ints(name: string, values: number[]): onnx.IAttributeProto {
  return { name, type: INTS, ints: values };
}

function str(name: string, value: string): onnx.IAttributeProto {
  return { name, type: STRING, s: new TextEncoder().encode(value) };
}

/** A float32 initializer as raw little-endian bytes (what ONNX requires of raw_data, whatever the host order). */
function tensor(name: string, dims: number[], data: Float32Array): onnx.ITensorProto {
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  data.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return { name, dims, dataType: FLOAT, rawData: raw };
}

/** A float32 tensor value with symbolic (string) or fixed (number) dimensions. */
function valueInfo(name: string, dims: Array<string | number>): onnx.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return { name, type: { tensorType: { elemType: FLOAT, shape: { dim } } } };
}
