/**
 * A pose network as data: a list of nodes over named tensors (NHWC). The same description is run by tfjs
 * (tfjs-model.ts), exported to ONNX (onnx-export.ts), filled from pretrained weights (pretrained.ts) and saved in
 * snapshots (snapshot.ts), so the four can never disagree about the architecture.
 *
 * Parameters are named `<node name>/<kind>` as Keras names its weights (`conv1_conv/kernel`,
 * `conv1_bn/gamma`…): kernels are [kh, kw, in, out] (tfjs / Keras layout).
 */

export type Activation = 'relu' | 'linear';

/** Convolution, optional bias, optional batch norm, optional ReLU. Padding is always TensorFlow's 'same'. */
export interface ConvNode {
  op: 'conv';
  name: string;
  input: string;
  inChannels: number;
  filters: number;
  kernel: number;
  stride: number;
  dilation: number;
  bias: boolean;
  /** Batch norm after the convolution; its parameters are named `<bn>/gamma|beta|moving_mean|moving_variance`. */
  batchNorm?: { name: string; epsilon: number };
  activation: Activation;
}

/** Element-wise sum of two tensors of equal shape, then the activation (residual connections). */
export interface AddNode {
  op: 'add';
  name: string;
  inputs: [string, string];
  activation: Activation;
}

/** Max pooling with 'same' padding. */
export interface MaxPoolNode {
  op: 'maxpool';
  name: string;
  input: string;
  size: number;
  stride: number;
}

/**
 * Bilinear upsampling by an integer factor, TensorFlow's legacy sampling (align_corners = false,
 * half_pixel_centers = false; ONNX Resize `asymmetric`). The half-pixel variant is avoided because tfjs's
 * gradient ignores that flag.
 */
export interface UpsampleNode {
  op: 'upsample';
  name: string;
  input: string;
  factor: number;
}

export type GraphNode = ConvNode | AddNode | MaxPoolNode | UpsampleNode;

/** The name of the network input (float32 [batch, height, width, 3], normalised as the training data). */
export const INPUT = 'image';

/** What the head outputs are, in the order of `ModelGraph.outputs`. All are logits / raw values. */
export type HeadOutput = 'heatmap' | 'locref' | 'paf' | 'unique_heatmap' | 'unique_locref' | 'identity';

export interface ModelGraph {
  netType: string;
  nodes: GraphNode[];
  /** Head output name → node name. */
  outputs: Partial<Record<HeadOutput, string>>;
  /** Pixels per output cell. */
  stride: number;
  /** Input height and width must be multiples of this (the deepest stride). */
  inputMultiple: number;
}

export interface ParameterSpec {
  name: string;
  shape: number[];
  /** False for batch-norm running statistics (updated by training, not by gradients). */
  trainable: boolean;
  /** How a fresh network initialises it. */
  init: 'he' | 'zeros' | 'ones' | 'low-probability';
}

/** Every parameter of the graph, in a stable order (the order of snapshots and of the optimizer). */
export function parameterSpecs(graph: ModelGraph): ParameterSpec[] {
  const specs: ParameterSpec[] = [];
  // Heatmap-like heads start at a low probability (bias −log 99 ≈ p 0.01), so the first steps are not spent
  // unlearning p = 0.5 everywhere (the prior of focal-loss detectors).
  const { heatmap, unique_heatmap, identity } = graph.outputs;
  const probabilityHeads = new Set([heatmap, unique_heatmap, identity].filter((name) => name !== undefined));
  for (const node of graph.nodes) {
    if (node.op !== 'conv') continue;
    specs.push({ name: `${node.name}/kernel`, shape: [node.kernel, node.kernel, node.inChannels, node.filters], trainable: true, init: 'he' });
    if (node.bias) specs.push({ name: `${node.name}/bias`, shape: [node.filters], trainable: true, init: probabilityHeads.has(node.name) ? 'low-probability' : 'zeros' });
    if (node.batchNorm) {
      const bn = node.batchNorm.name;
      specs.push({ name: `${bn}/gamma`, shape: [node.filters], trainable: true, init: 'ones' });
      specs.push({ name: `${bn}/beta`, shape: [node.filters], trainable: true, init: 'zeros' });
      specs.push({ name: `${bn}/moving_mean`, shape: [node.filters], trainable: false, init: 'zeros' });
      specs.push({ name: `${bn}/moving_variance`, shape: [node.filters], trainable: false, init: 'ones' });
    }
  }
  return specs;
}

/** Output channels of every node, checking that each input exists before it is used. */
export function channelsOf(graph: ModelGraph): Map<string, number> {
  const channels = new Map<string, number>([[INPUT, 3]]);
  const need = (name: string, user: string) => {
    const c = channels.get(name);
    if (c === undefined) throw new Error(`model graph: ${user} reads ${name}, which is not defined before it`);
    return c;
  };
  for (const node of graph.nodes) {
    if (channels.has(node.name)) throw new Error(`model graph: node name ${node.name} is used twice`);
    if (node.op === 'conv') {
      const c = need(node.input, node.name);
      if (c !== node.inChannels) throw new Error(`model graph: ${node.name} expects ${node.inChannels} channels, ${node.input} has ${c}`);
      channels.set(node.name, node.filters);
    } else if (node.op === 'add') {
      const [a, b] = node.inputs.map((input) => need(input, node.name));
      if (a !== b) throw new Error(`model graph: ${node.name} adds ${a} and ${b} channels`);
      channels.set(node.name, a!);
    } else {
      channels.set(node.name, need(node.input, node.name));
    }
  }
  for (const [output, node] of Object.entries(graph.outputs)) need(node, `output ${output}`);
  return channels;
}
