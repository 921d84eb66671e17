#!/usr/bin/python3
"""Writes the small NumPy and image-folder fixtures for the data loader tests.

Made with independent tools (NumPy's own savez/savez_compressed, Pillow's PNG/JPEG encoders), so
the tests check dcz's readers against files real users' tools write. Run with Debian's Python
(`apt-get install python3-numpy python3-pil`; they belong to /usr/bin/python3):

    /usr/bin/python3 scripts/make-data-fixtures.py MNIST_DIR tests/data

MNIST_DIR holds the four IDX files (gzip). Writes tests/data/numpy/ and tests/data/images/; the
images are MNIST test images, named after their index, so the tests compare the decoded pixels
with the IDX bytes of tests/data/mnist-slice.
"""

import gzip
import os
import sys

import numpy as np
from PIL import Image


def read_test_images(folder):
    with gzip.open(os.path.join(folder, "t10k-images-idx3-ubyte.gz"), "rb") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"), "rb") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    return images, labels


def write_numpy(out, images, labels):
    os.makedirs(os.path.join(out, "folder"), exist_ok=True)
    os.makedirs(os.path.join(out, "bad"), exist_ok=True)
    # numpy.savez: uncompressed zip; x as [n, 28, 28] uint8 images, y as int64.
    np.savez(os.path.join(out, "mnist8.npz"), x=images[:8], y=labels[:8].astype(np.int64))
    # numpy.savez_compressed: deflate; flat float32 features in 0-1, uint8 labels, and a test split.
    flat = images.reshape(len(images), -1).astype(np.float32) / 255
    np.savez_compressed(os.path.join(out, "mnist8-compressed.npz"),
                        x=flat[:8], y=labels[:8], x_test=flat[8:12], y_test=labels[8:12])
    # A folder of .npy files: float64 features and int64 labels.
    x = np.array([[5.1, 3.5, 1.4, 0.2], [4.9, 3.0, 1.4, 0.2], [7.0, 3.2, 4.7, 1.4],
                  [6.4, 3.2, 4.5, 1.5], [6.3, 3.3, 6.0, 2.5], [5.8, 2.7, 5.1, 1.9]], dtype=np.float64)
    np.save(os.path.join(out, "folder", "x.npy"), x)
    np.save(os.path.join(out, "folder", "y.npy"), np.array([0, 0, 1, 1, 2, 2], dtype=np.int64))
    # Arrays dcz refuses, each with a clear error.
    np.save(os.path.join(out, "bad", "big-endian.npy"), np.array([1.0, 2.0], dtype=">f4"))
    np.save(os.path.join(out, "bad", "fortran.npy"), np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
    np.save(os.path.join(out, "bad", "complex.npy"), np.array([1 + 2j], dtype=np.complex64))


def write_images(out, images, labels):
    names = {1: "one", 2: "two", 7: "seven"}
    taken = {digit: [] for digit in names}
    for index, label in enumerate(labels):
        if label in taken and len(taken[label]) < 4:
            taken[label].append(index)
    for digit, name in names.items():
        train_indices, test_index = taken[digit][:3], taken[digit][3]
        for split, indices in (("train", train_indices), ("test", [test_index])):
            folder = os.path.join(out, split, name)
            os.makedirs(folder, exist_ok=True)
            for index in indices:
                Image.fromarray(images[index], mode="L").save(os.path.join(folder, f"t10k-{index:05d}.png"))
    # Other encodings of one more image per kind, beside the exact grey PNGs:
    seven = os.path.join(out, "train", "seven")
    extra = taken[7][0]
    Image.fromarray(images[extra], mode="L").save(os.path.join(seven, f"t10k-{extra:05d}-q95.jpg"), quality=95)
    # An RGB PNG at twice the size (each pixel 2x2, the digit in the green channel only).
    big = np.kron(images[taken[2][0]], np.ones((2, 2), dtype=np.uint8))
    rgb = np.stack([np.zeros_like(big), big, np.zeros_like(big)], axis=2)
    Image.fromarray(rgb, mode="RGB").save(os.path.join(out, "train", "two", f"t10k-{taken[2][0]:05d}-green-56px.png"))
    # A file that is not an image is skipped; a .png that is not one is an error (made by the tests).
    with open(os.path.join(out, "train", "one", "notes.txt"), "w") as f:
        f.write("not an image: skipped by the loader\n")
    print("image indices:", {names[d]: v for d, v in taken.items()})


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: make-data-fixtures.py MNIST_DIR OUT_DIR")
    images, labels = read_test_images(sys.argv[1])
    write_numpy(os.path.join(sys.argv[2], "numpy"), images, labels)
    write_images(os.path.join(sys.argv[2], "images"), images, labels)


if __name__ == "__main__":
    main()
