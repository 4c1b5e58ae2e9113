/**
 * The network architectures Herd knows by name (DeepLabCut's `net_type`, dlc-spec §6). Data only: what
 * `create-training-dataset` writes into `pytorch_config.yaml` for each one. The training engine decides how a
 * backbone `type` is built; architectures it cannot train yet are listed (so DeepLabCut projects open and
 * their shuffles can be made) with `trainable: false`.
 */

export type PoseMethod = 'bu' | 'td' | 'ctd';

export interface NetType {
  /** The `net_type` written in pytorch_config.yaml. */
  name: string;
  /** `herd` for Herd's own networks, `dlc` for DeepLabCut's. */
  origin: 'herd' | 'dlc';
  method: PoseMethod;
  /** True when Herd's training engine can train it. */
  trainable: boolean;
  /** `model.backbone` as written. */
  backbone: Record<string, unknown>;
  backboneOutputChannels: number;
  /** Output stride of the whole model (backbone stride ÷ head upsampling): pixels per heatmap cell. */
  stride: number;
  /** Head layers: hidden channels between the backbone output and the prediction, kernel sizes, strides. */
  head: { hidden: number[]; kernelSize: number[]; strides: number[] };
  /** Keys of `runner` that differ from the base runner (optimizer, scheduler, eval_interval). */
  runner?: Record<string, unknown>;
  /** `data.train.crop_sampling` size when it differs from DeepLabCut's 448×448. */
  cropSize?: [number, number];
  /** Keys of `train_settings` that differ from the base (batch size, epochs). */
  trainSettings?: Record<string, unknown>;
  description: string;
}

const RESNET_RUNNER = {
  optimizer: { type: 'AdamW', params: { lr: 5e-4 } },
  scheduler: { type: 'LRListScheduler', params: { lr_list: [[1e-4], [1e-5]], milestones: [90, 120] } },
};

const DLC_STRIDE16 = { hidden: [], kernelSize: [3], strides: [2] };

function resnet(name: string, modelName: string): NetType {
  return {
    name,
    origin: 'dlc',
    method: 'bu',
    trainable: name === 'resnet_50',
    backbone: { type: 'ResNet', model_name: modelName, output_stride: 16, freeze_bn_stats: false, freeze_bn_weights: false },
    backboneOutputChannels: 2048,
    stride: 8,
    head: DLC_STRIDE16,
    runner: RESNET_RUNNER,
    description: `DeepLabCut's ${modelName} backbone with part-affinity-field heads (bottom-up)`,
  };
}

function hrnet(width: 18 | 32 | 48): NetType {
  return {
    name: `hrnet_w${width}`,
    origin: 'dlc',
    method: 'bu',
    trainable: false,
    backbone: { type: 'HRNet', model_name: `hrnet_w${width}`, freeze_bn_stats: false, freeze_bn_weights: false, interpolate_branches: false, increased_channel_count: false },
    backboneOutputChannels: width,
    stride: 4,
    head: { hidden: [], kernelSize: [1], strides: [1] },
    description: `DeepLabCut's HRNet-W${width} (bottom-up)`,
  };
}

function dlcrnet(outputStride: 16 | 32): NetType {
  return {
    name: `dlcrnet_stride${outputStride}_ms5`,
    origin: 'dlc',
    method: 'bu',
    trainable: false,
    backbone: { type: 'DLCRNet', model_name: 'resnet50', pretrained: true, output_stride: outputStride },
    backboneOutputChannels: 2304,
    stride: outputStride / 4,
    head: { hidden: [1152], kernelSize: [3, 3], strides: [2, 2] },
    runner: outputStride === 32 ? { eval_interval: 25 } : undefined,
    description: `DeepLabCut's multi-scale DLCRNet, output stride ${outputStride} (bottom-up)`,
  };
}

function notYet(name: string, method: PoseMethod, description: string): NetType {
  return {
    name,
    origin: 'dlc',
    method,
    trainable: false,
    backbone: { type: 'NotAvailableInHerd', model_name: name },
    backboneOutputChannels: 256,
    stride: 4,
    head: { hidden: [], kernelSize: [1], strides: [1] },
    description,
  };
}

/** Every net type Herd knows, default first. */
export const NET_TYPES: readonly NetType[] = [
  {
    name: 'herd_small',
    origin: 'herd',
    method: 'bu',
    trainable: true,
    backbone: { type: 'HerdSmallNet', model_name: 'herd_small', output_stride: 8, pretrained: false },
    backboneOutputChannels: 96,
    stride: 8,
    head: { hidden: [], kernelSize: [1], strides: [1] },
    // Small crops: a CPU step costs in proportion to the pixels (≈ 9 img/s at 192², 17 at 128² on 2 cores).
    cropSize: [192, 192],
    runner: {
      optimizer: { type: 'AdamW', params: { lr: 1e-3 } },
      scheduler: { type: 'LRListScheduler', params: { lr_list: [[1e-4], [1e-5]], milestones: [150, 180] } },
    },
    description: "Herd's small CPU network: a few convolution blocks, output stride 8, trained from scratch",
  },
  resnet('resnet_50', 'resnet50_gn'),
  resnet('resnet_101', 'resnet101'),
  hrnet(18),
  hrnet(32),
  hrnet(48),
  dlcrnet(16),
  dlcrnet(32),
  ...(['s', 'm', 'x'] as const).map((size) => notYet(`cspnext_${size}`, 'bu', `DeepLabCut's CSPNeXt-${size} (bottom-up)`)),
  ...([18, 32, 48] as const).map((width) => notYet(`dekr_w${width}`, 'bu', `DeepLabCut's DEKR with HRNet-W${width} (offset regression, no PAF)`)),
  ...['resnet_50', 'resnet_101', 'hrnet_w18', 'hrnet_w32', 'hrnet_w48', 'cspnext_s', 'cspnext_m', 'cspnext_x'].map((backbone) =>
    notYet(`top_down_${backbone}`, 'td', `DeepLabCut's top-down ${backbone} (needs a detector)`),
  ),
  ...(['s', 'm', 'x'] as const).map((size) => notYet(`rtmpose_${size}`, 'td', `DeepLabCut's RTMPose-${size} (top-down, needs a detector)`)),
  notYet('animaltokenpose_base', 'td', "DeepLabCut's TokenPose (top-down, needs a detector)"),
  ...['ctd_coam_w32', 'ctd_coam_w48', 'ctd_coam_w48_human', 'ctd_prenet_hrnet_w32', 'ctd_prenet_hrnet_w48', 'ctd_prenet_rtmpose_s', 'ctd_prenet_rtmpose_m', 'ctd_prenet_rtmpose_x', 'ctd_prenet_rtmpose_x_human'].map(
    (name) => notYet(name, 'ctd', "DeepLabCut's conditional top-down model (needs a bottom-up model's predictions)"),
  ),
];

/** The net type Herd uses when a project names none it can train. */
export const DEFAULT_HERD_NET_TYPE = 'herd_small';

/** DeepLabCut's older (TensorFlow) names and the PyTorch net types they became (dlc-spec §6). */
export const NET_TYPE_ALIASES: Readonly<Record<string, string>> = {
  dlcrnet_ms5: 'dlcrnet_stride16_ms5',
  resnet50: 'resnet_50',
  resnet101: 'resnet_101',
};

/** The net type of a name (aliases resolved), or undefined. */
export function findNetType(name: string): NetType | undefined {
  const resolved = NET_TYPE_ALIASES[name] ?? name;
  return NET_TYPES.find((netType) => netType.name === resolved);
}
