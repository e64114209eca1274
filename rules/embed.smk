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
        reducer=alternatives(NUMBA_REDUCERS) or "(?!)",
        search=alternatives(WARM_UP_TRAIN),
    conda:
        "../envs/reduce.yaml"
    threads: 1
    params:
        reducer_params=get_reducer_params,
        numba_cpu=config["numba_cpu"],
        cache_dir=config["cache_dir"],
    script:
        "../scripts/compile_numba.py"
