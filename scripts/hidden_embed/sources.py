"""What is known of each dataset source without reading it: file names, checksums, sizes.

Pure Python (no NumPy): Snakemake imports it while it parses the workflow, once per job.
"""

from __future__ import annotations

import ast
import math
import struct
import zipfile
from pathlib import Path

IDX_SOURCES = ("mnist", "fashion-mnist")  # published as four IDX files each
ARCHIVE_SOURCES = ("cifar-10",)  # published as one archive each
OFFICIAL = (*IDX_SOURCES, *ARCHIVE_SOURCES)

# name of the part -> file stem as the canonical mirrors name it
PARTS = {
    "X_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "X_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}

# Published SHA-256 of the uncompressed files.
SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}

CLASS_NAMES = {
    "mnist": [str(d) for d in range(10)],
    "fashion-mnist": [
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
}

# CIFAR-10, python version (https://www.cs.toronto.edu/~kriz/cifar.html): one tar.gz of pickled
# batches, with the MD5 its publisher gives.
ARCHIVES = {
    "cifar-10": {
        "file": "cifar-10-python.tar.gz",
        "md5": "c58f30108f718f92721af3b95e74349a",
        "folder": "cifar-10-batches-py",
        "train": [f"data_batch_{i}" for i in range(1, 6)],
        "test": ["test_batch"],
        "meta": "batches.meta",
        "names_key": "label_names",
    },
}
CLASS_NAMES["cifar-10"] = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

OFFICIAL_SIZES = (60000, 10000)  # training and test images of both IDX datasets
SIZES = {"mnist": OFFICIAL_SIZES, "fashion-mnist": OFFICIAL_SIZES, "cifar-10": (50000, 10000)}
IMAGE_SHAPES = {"mnist": (28, 28), "fashion-mnist": (28, 28), "cifar-10": (32, 32, 3), "digits": (8, 8)}
DIGITS_POINTS = 1797  # scikit-learn's bundled digits
NPZ_KEYS = ("X_train", "y_train", "X_test", "y_test")
LABEL_KEYS = ("y_train", "y_test")  # a dataset of labels only (its points are no arrays: texts)
TEXT_KEYS = ("text_train", "text_test")  # a text per point, shown by the explorer

# The range of each unsigned integer type: what `scale: null` divides stored images by.
INTEGER_RANGES = {"|u1": 255, "<u2": 65535, ">u2": 65535}


def default_scale(descr: str) -> float | None:
    """What ``scale: null`` divides a stored array of dtype ``descr`` by: its unsigned integer
    type's range, 1 for floats, None for other integer types (the user must say)."""
    if descr in INTEGER_RANGES:
        return float(INTEGER_RANGES[descr])
    if descr[1:2] in ("f", "b"):  # floats, booleans
        return 1.0
    if descr[1:2] in ("i", "u", "b"):
        return None
    return 1.0


# The dataset keys that only some sources read (every other key applies to every source).
SOURCE_KEYS = {
    "local_dir": OFFICIAL,
    "path": ("npz",),
    "image_shape": ("npz",),
    "class_names": ("npz",),
    "scale": ("npz",),
    "test_fraction": ("digits",),
}


def keys_not_applying(spec: dict, defaults: dict | None = None) -> list[str]:
    """The keys of a dataset's config entry that its source does not read, in the entry's order;
    a key set to its default (``defaults``, as filled in by an earlier check) does nothing either
    way and is not listed."""
    defaults = defaults or {}
    return [
        key
        for key, value in spec.items()
        if key in SOURCE_KEYS
        and spec.get("source") not in SOURCE_KEYS[key]
        and not (key in defaults and value == defaults[key])
    ]


def find_local(directory: str | Path, stem: str) -> Path | None:
    """``directory/stem.gz`` or ``directory/stem``, whichever exists, else None."""
    directory = Path(directory)
    for candidate in (directory / f"{stem}.gz", directory / stem):
        if candidate.is_file():
            return candidate
    return None


def npy_header_shape(handle) -> tuple[int, ...]:  # noqa: ANN001 - a binary file object
    """The array shape from a ``.npy`` header (format versions 1-3), without reading the data."""
    return npy_header(handle)[0]


def npy_header(handle) -> tuple[tuple[int, ...], str]:  # noqa: ANN001 - a binary file object
    """The array shape and dtype (e.g. ``|u1``) from a ``.npy`` header, without the data."""
    if handle.read(6) != b"\x93NUMPY":
        raise ValueError("not a .npy array")
    major = handle.read(2)[0]
    size_format = "<H" if major == 1 else "<I"
    (length,) = struct.unpack(size_format, handle.read(struct.calcsize(size_format)))
    header = ast.literal_eval(handle.read(length).decode("latin1"))
    return tuple(int(n) for n in header["shape"]), str(header["descr"])


def npz_shapes(path: str | Path) -> dict[str, tuple[int, ...]]:
    """Shapes of the arrays in a ``.npz``, read from their headers only (cheap for any size)."""
    return {name: shape for name, (shape, _) in npz_headers(path).items()}


def npz_headers(path: str | Path) -> dict[str, tuple[tuple[int, ...], str]]:
    """Shape and dtype of each array in a ``.npz``, from their headers only."""
    try:
        with zipfile.ZipFile(path) as archive:
            headers = {}
            for member in archive.namelist():
                if member.endswith(".npy"):
                    with archive.open(member) as handle:
                        headers[member[:-4]] = npy_header(handle)
            return headers
    except (zipfile.BadZipFile, ValueError, KeyError, SyntaxError) as err:
        raise ValueError(f"{path} is not a readable .npz archive ({err})") from None


def digits_sizes(test_fraction: float) -> tuple[int, int]:
    """Training and test points of the digits split (scikit-learn rounds the test share up)."""
    n_test = math.ceil(DIGITS_POINTS * test_fraction)
    return DIGITS_POINTS - n_test, n_test
