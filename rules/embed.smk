rule embed_layer:
    input:
        package("reducers.py"),
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
        reducer_params=get_reducer_params,
        seed=get_seed,
    script:
        "../scripts/embed_layer.py"
