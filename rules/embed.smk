rule embed_layer:
    input:
        package("reducers.py"),
        get_compiled,
        unpack(get_labels),
        train=path("activations", split="train"),
        test=path("activations", split="test"),
    output:
        PATHS["embedding"],
    log:
        "results/logs/embed_layer/{dataset}/{branch}/{layer}/{reducer}.log",
    benchmark:
        "results/benchmarks/embed_layer/{dataset}/{branch}/{layer}/{reducer}.tsv"
    conda:
        "../envs/reduce.yaml"
    threads: get_embed_threads
    params:
        portable_kernels=config["portable_kernels"],
        threads=get_embed_threads,
        reducer_params=get_reducer_params,
        seed=get_seed,
    script:
        "../scripts/embed_layer.py"


rule compile_numba:
    input:
        package("reducers.py"),
    output:
        "results/compiled/{reducer}/{search}.txt",
    log:
        "results/logs/compile_numba/{reducer}/{search}.log",
    benchmark:
        "results/benchmarks/compile_numba/{reducer}/{search}.tsv"
    wildcard_constraints:
        reducer=alternatives(NUMBA_WARM_UPS),
        search=alternatives(WARM_UP_PATHS),
    priority: get_compile_priority
    conda:
        "../envs/reduce.yaml"
    threads: 1
    resources:
        # UMAP's and AlignedUMAP's warm-ups one at a time (the profiles give numba_umap: 1): the
        # second loads the neighbour search the first compiled instead of compiling it as well
        numba_umap=get_compile_umap,
    params:
        portable_kernels=config["portable_kernels"],
        reducer_params=get_compile_params,
        numba_cpu=config["numba_cpu"],
        cache_dir=config["cache_dir"],
    script:
        "../scripts/compile_numba.py"
