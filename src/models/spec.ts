/**
 * Architectures as data. A network is a list of layer specs; `buildNetwork` turns it into
 * variables, gate groups and a forward function. Widths in a spec are *initial* widths: after
 * compaction or mid-training removal of units the variables' shapes are authoritative.
 *
 * @module
 */

/** Activation after a layer. */
export type Activation = "relu" | "none";

/** A fully connected layer. */
export interface DenseSpec {
  /** Layer kind. */
  type: "dense";
  /** Unique layer name; parameters are `<name>.w` [in, out] and `<name>.b` [out]. */
  name: string;
  /** Output units. */
  units: number;
  /** Activation. */
  activation: Activation;
  /** Its output units form a gate group (hidden layers). @default false */
  gated?: boolean;
  /** Its input units form a gate group `<name>.in` (e.g. L0's gates on the 784 pixels). @default false */
  inputGated?: boolean;
  /** Has a bias `<name>.b`. @default true */
  bias?: boolean;
}

/** A 2-D convolution (NHWC), optionally followed by batch normalisation. */
export interface ConvSpec {
  /** Layer kind. */
  type: "conv2d";
  /** Unique layer name; parameters `<name>.w` [kh, kw, cin, cout], `<name>.b`, `<name>.gamma`, `<name>.beta`. */
  name: string;
  /** Output filters. */
  filters: number;
  /** Square kernel size. */
  kernel: number;
  /** Stride. @default 1 */
  stride?: number;
  /** Padding mode. */
  padding: "same" | "valid";
  /** Has a bias. @default true */
  bias?: boolean;
  /** Followed by batch normalisation (running stats `<name>.mean`, `<name>.var`). @default false */
  batchNorm?: boolean;
  /** Activation (after BN). */
  activation: Activation;
  /** Its filters form a gate group. @default false */
  gated?: boolean;
}

/** Max or average pooling. */
export interface PoolSpec {
  /** Layer kind. */
  type: "maxpool" | "avgpool";
  /** Window size. */
  size: number;
  /** Stride. @default size */
  stride?: number;
}

/** Global average pooling over the spatial axes. */
export interface GlobalPoolSpec {
  /** Layer kind. */
  type: "globalavgpool";
}

/** Flatten to [batch, features]. */
export interface FlattenSpec {
  /** Layer kind. */
  type: "flatten";
}

/** A residual block: activation(body(x) + shortcut(x)); an empty shortcut is the identity. */
export interface ResidualSpec {
  /** Layer kind. */
  type: "residual";
  /** Block name (for display). */
  name: string;
  /** Main path. */
  body: LayerSpec[];
  /** Shortcut path; `[]` for identity. */
  shortcut: LayerSpec[];
  /** Activation after the addition. */
  activation: Activation;
}

/** Any layer. */
export type LayerSpec =
  | DenseSpec
  | ConvSpec
  | PoolSpec
  | GlobalPoolSpec
  | FlattenSpec
  | ResidualSpec;

/** A whole architecture. */
export interface ArchSpec {
  /** Architecture id, e.g. `lenet-300-100`. */
  id: string;
  /** Input shape without batch: `[784]` or `[28, 28, 1]` (NHWC). */
  inputShape: number[];
  /** Number of classes (width of the last layer). */
  numClasses: number;
  /** Layers in order. */
  layers: LayerSpec[];
  /**
   * Initialisation of the dense and conv weights: `default` = Glorot-uniform (He-normal for conv
   * layers followed by batch normalisation), biases 0; `he-normal` = N(0, 2/fan_in) everywhere,
   * biases 0 (the L0 reference's `kaiming_normal`); `torch-default` = PyTorch's default
   * `nn.Linear`/`nn.Conv2d` init, U(±1/√fan_in) for weights and biases (the DAM and HALO
   * references). See `withModelOptions`. @default "default"
   */
  init?: "default" | "he-normal" | "torch-default";
}
