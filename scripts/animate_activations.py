"""Rule animate_activations: the two GIFs of one class, example by example and summed."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import numpy as np  # noqa: E402

from hidden_embed import animation, datasets  # noqa: E402

anim, out = snakemake.params.animation, snakemake.output  # noqa: F821
data = datasets.read(snakemake.input.data)  # noqa: F821
label = datasets.class_index(anim["class"], data.class_names)
rows = np.flatnonzero(data.y_test == label)
# every computed layer in network order, the output layer (the class scores) last
acts_all = {layer: np.load(path, mmap_mode="r") for layer, path in zip(snakemake.params.layers, snakemake.input.activations)}  # noqa: F821
shape = data.image_shape
images = None
if shape is not None and (len(shape) == 2 or (len(shape) == 3 and shape[-1] in (1, 3))):
    images = data.X_test.reshape(-1, *shape)  # grey (h, w), (h, w, 1), or colour (h, w, 3)
name = data.class_names[label]
log.info("class %s (%d), %d test examples", name, label, len(rows))

first = rows[: anim["examples"]]
acts = {layer: np.asarray(a[first]) for layer, a in acts_all.items()}
frames = animation.example_frames(acts, None if images is None else images[first], data.class_names, name)
animation.write_gif(frames, out.examples, anim["seconds_per_frame"])

counts = [n for n in anim["counts"] if n <= len(rows)] or [len(rows)]
upto = rows[: max(counts)]
acts = {layer: np.asarray(a[upto]) for layer, a in acts_all.items()}
frames = animation.ensemble_frames(acts, None if images is None else images[upto], data.class_names, name, counts)
animation.write_gif(frames, out.ensemble, anim["seconds_per_frame"])
