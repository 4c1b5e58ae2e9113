/**
 * The networks Herd can build and train (`net_type` in pytorch_config.yaml), as model graphs. Both end in a
 * stride-8 feature map and share the heads: one convolution per output.
 */
import { HerdError } from '../common/errors';
import { channelsOf, INPUT, type Activation, type ConvNode, type GraphNode, type HeadOutput, type ModelGraph } from './graph';

/** What the heads predict, from the project and the PAF graph. */
export interface HeadSizes {
  bodyparts: number;
  /** Part-affinity-field edges (0 = no PAF head: single-animal models). */
  edges: number;
  uniqueBodyparts: number;
  /** Individuals of the identity head (0 = no identity head). */
  identities: number;
}

export interface Architecture {
  netType: string;
  description: string;
  /** Where it is meant to run. */
  target: 'cpu' | 'gpu';
  build(heads: HeadSizes): ModelGraph;
}

const HERD_BN_EPSILON = 1e-3;
const KERAS_BN_EPSILON = 1.001e-5;

function conv(
  name: string,
  input: string,
  inChannels: number,
  filters: number,
  options: { kernel?: number; stride?: number; dilation?: number; bias?: boolean; bn?: string | false; epsilon?: number; activation?: Activation } = {},
): ConvNode {
  const bn = options.bn === undefined ? `${name}_bn` : options.bn;
  return {
    op: 'conv',
    name,
    input,
    inChannels,
    filters,
    kernel: options.kernel ?? 3,
    stride: options.stride ?? 1,
    dilation: options.dilation ?? 1,
    bias: options.bias ?? !bn,
    batchNorm: bn ? { name: bn, epsilon: options.epsilon ?? HERD_BN_EPSILON } : undefined,
    activation: options.activation ?? 'relu',
  };
}

/** One convolution per head output, reading `features`. */
function headNodes(features: string, channels: number, heads: HeadSizes, kernel: number): { nodes: GraphNode[]; outputs: ModelGraph['outputs'] } {
  const sizes: Array<[HeadOutput, number]> = [
    ['heatmap', heads.bodyparts],
    ['locref', 2 * heads.bodyparts],
    ['paf', 2 * heads.edges],
    ['unique_heatmap', heads.uniqueBodyparts],
    ['unique_locref', 2 * heads.uniqueBodyparts],
    ['identity', heads.identities],
  ];
  const nodes: GraphNode[] = [];
  const outputs: ModelGraph['outputs'] = {};
  for (const [output, size] of sizes) {
    if (size === 0) continue;
    const name = `head_${output}`;
    nodes.push(conv(name, features, channels, size, { kernel, bn: false, bias: true, activation: 'linear' }));
    outputs[output] = name;
  }
  return { nodes, outputs };
}

/**
 * herd_small: a plain conv net sized for a 2-core CPU (148 M multiply-adds per 128×128 image, ≈ 0.8 M
 * parameters with 10 body parts and 45 PAF edges). Stride 2, 4, 8 stages, a stride-16 stage for context
 * (receptive field ≈ 170 px) upsampled and added back at stride 8, then the heads.
 */
function herdSmall(heads: HeadSizes): ModelGraph {
  const nodes: GraphNode[] = [
    conv('stem1', INPUT, 3, 24, { stride: 2 }),
    conv('stem2', 'stem1', 24, 48, { stride: 2 }),
    conv('s4', 'stem2', 48, 48),
    conv('s8_1', 's4', 48, 96, { stride: 2 }),
    conv('s8_2', 's8_1', 96, 96),
    conv('s8_3', 's8_2', 96, 96),
    conv('s16_1', 's8_3', 96, 128, { stride: 2 }),
    conv('s16_2', 's16_1', 128, 128),
    conv('s16_3', 's16_2', 128, 128),
    { op: 'upsample', name: 's16_up', input: 's16_3', factor: 2 },
    conv('s8_lateral', 's8_3', 96, 128, { kernel: 1, activation: 'linear' }),
    { op: 'add', name: 'fuse', inputs: ['s16_up', 's8_lateral'], activation: 'relu' },
    conv('neck', 'fuse', 128, 96),
  ];
  const head = headNodes('neck', 96, heads, 1);
  return { netType: 'herd_small', nodes: [...nodes, ...head.nodes], outputs: head.outputs, stride: 8, inputMultiple: 16 };
}

/**
 * ResNet-50 (v1, Keras applications layer names, so Keras' ImageNet weights load by name) with DeepLabCut's
 * output stride 16: stage 5 keeps stride 1. DeepLabCut also dilates stage 5; tfjs has no gradient for dilated
 * convolutions (on any backend), so Herd's does not — the weights are the same shapes either way. Upsampled ×2
 * to stride 8 for the heads.
 */
function resnet50(heads: HeadSizes): ModelGraph {
  const epsilon = KERAS_BN_EPSILON;
  const nodes: GraphNode[] = [
    conv('conv1_conv', INPUT, 3, 64, { kernel: 7, stride: 2, bias: true, bn: 'conv1_bn', epsilon }),
    { op: 'maxpool', name: 'pool1_pool', input: 'conv1_conv', size: 3, stride: 2 },
  ];
  let previous = 'pool1_pool';
  let channels = 64;
  const stages: Array<[number, number, number, number]> = [
    // [stage, blocks, filters, stride of the first block]
    [2, 3, 64, 1],
    [3, 4, 128, 2],
    [4, 6, 256, 2],
    [5, 3, 512, 1],
  ];
  for (const [stage, blocks, filters, firstStride] of stages) {
    for (let b = 1; b <= blocks; b++) {
      const name = `conv${stage}_block${b}`;
      const stride = b === 1 ? firstStride : 1;
      const options = { bias: true, epsilon };
      let shortcut = previous;
      if (b === 1) {
        nodes.push(conv(`${name}_0_conv`, previous, channels, 4 * filters, { ...options, kernel: 1, stride, bn: `${name}_0_bn`, activation: 'linear' }));
        shortcut = `${name}_0_conv`;
      }
      nodes.push(
        conv(`${name}_1_conv`, previous, channels, filters, { ...options, kernel: 1, stride, bn: `${name}_1_bn` }),
        conv(`${name}_2_conv`, `${name}_1_conv`, filters, filters, { ...options, kernel: 3, bn: `${name}_2_bn` }),
        conv(`${name}_3_conv`, `${name}_2_conv`, filters, 4 * filters, { ...options, kernel: 1, bn: `${name}_3_bn`, activation: 'linear' }),
        { op: 'add', name: `${name}_out`, inputs: [shortcut, `${name}_3_conv`], activation: 'relu' },
      );
      previous = `${name}_out`;
      channels = 4 * filters;
    }
  }
  nodes.push({ op: 'upsample', name: 'upsample', input: previous, factor: 2 });
  const head = headNodes('upsample', channels, heads, 3);
  return { netType: 'resnet_50', nodes: [...nodes, ...head.nodes], outputs: head.outputs, stride: 8, inputMultiple: 16 };
}

export const ARCHITECTURES: readonly Architecture[] = [
  {
    netType: 'herd_small',
    description: 'small conv net, output stride 8, trains on a CPU in minutes (default)',
    target: 'cpu',
    build: herdSmall,
  },
  {
    netType: 'resnet_50',
    description: 'ResNet-50 backbone (output stride 16, upsampled to 8), ImageNet weights from Keras files; for GPUs',
    target: 'gpu',
    build: resnet50,
  },
];

/** The architecture of a net type, or a clear error listing the ones Herd can train. */
export function architectureOf(netType: string): Architecture {
  const found = ARCHITECTURES.find((a) => a.netType === netType);
  if (!found) {
    throw new HerdError(
      'NET_TYPE_NOT_TRAINABLE',
      `Herd cannot train net_type ${netType} (yet); it trains ${ARCHITECTURES.map((a) => a.netType).join(', ')}. Make a shuffle with --net-type herd_small`,
    );
  }
  return found;
}

/** Builds and checks the graph of a net type for the given heads. */
export function buildModelGraph(netType: string, heads: HeadSizes): ModelGraph {
  const graph = architectureOf(netType).build(heads);
  channelsOf(graph);
  return graph;
}
