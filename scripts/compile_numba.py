"""Rule compile_numba: compile the numba code of one reducer (or of AlignedUMAP) into the cache
once, before the jobs that run it."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import os  # noqa: E402
import time  # noqa: E402

from hidden_embed import reducers  # noqa: E402

p, name, search = snakemake.params, snakemake.wildcards.reducer, snakemake.wildcards.search  # noqa: F821
start = time.perf_counter()
fit_seconds, place_seconds = reducers.compile_ahead(name, search, **dict(p.reducer_params))
seconds = time.perf_counter() - start
target = os.environ.get("NUMBA_CPU_NAME", "host")
log.info("%s compiled for %s in %.1f s (fit %.1f s, placement %.1f s)", name, target, seconds, fit_seconds, place_seconds)
runtime.save_text(
    snakemake.output[0],  # noqa: F821
    f"{name}: numba code compiled for CPU {target} into {os.environ['NUMBA_CACHE_DIR']} in {seconds:.1f} s "
    f"({reducers.describe_warm_up(name, search)})\n",
)
