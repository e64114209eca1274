rule score_knn:
    input:
        package("knn.py", "tables.py"),
        embedding=PATHS["embedding"],
    output:
        PATHS["knn"],
    log:
        "results/logs/score_knn/{dataset}/{branch}/{layer}/{reducer}.log",
    benchmark:
        "results/benchmarks/score_knn/{dataset}/{branch}/{layer}/{reducer}.tsv"
    conda:
        "../envs/reduce.yaml"
    threads: 1
    params:
        k=config["knn"]["k"],
        seed=get_seed,
        variant=get_variant,
    script:
        "../scripts/score_knn.py"


rule score_knn_highdim:
    input:
        package("knn.py", "tables.py"),
        unpack(get_labels),
        train=path("activations", split="train"),
        test=path("activations", split="test"),
    output:
        path("knn", reducer="highdim"),
    log:
        "results/logs/score_knn_highdim/{dataset}/{branch}/{layer}.log",
    benchmark:
        "results/benchmarks/score_knn_highdim/{dataset}/{branch}/{layer}.tsv"
    conda:
        "../envs/reduce.yaml"
    threads: get_threads("score_knn")
    params:
        portable_kernels=config["portable_kernels"],
        threads=get_threads("score_knn"),
        k=config["knn"]["k"],
        seed=get_seed,
        variant=get_variant,
    script:
        "../scripts/score_knn_highdim.py"


rule score_quality:
    input:
        package("quality.py"),
        embedding=PATHS["embedding"],
        points=path("activations", split=config["quality"]["points"]),
    output:
        PATHS["quality"],
    log:
        "results/logs/score_quality/{dataset}/{branch}/{layer}/{reducer}.log",
    benchmark:
        "results/benchmarks/score_quality/{dataset}/{branch}/{layer}/{reducer}.tsv"
    group:
        "quality"
    conda:
        "../envs/reduce.yaml"
    threads: get_threads("score_knn")
    params:
        portable_kernels=config["portable_kernels"],
        threads=get_threads("score_knn"),
        quality=config["quality"],
        seed=get_seed,
        variant=get_variant,
    script:
        "../scripts/score_quality.py"


rule score_layers:
    input:
        package("quality.py", "similarity.py", "tables.py"),
        unpack(get_labels),
        unpack(get_all_activations),
    output:
        PATHS["layer_scores"],
    log:
        "results/logs/score_layers/{dataset}/seed{seed}/{variant}.log",
    benchmark:
        "results/benchmarks/score_layers/{dataset}/seed{seed}/{variant}.tsv"
    conda:
        "../envs/reduce.yaml"
    threads: get_threads("score_layers")
    params:
        portable_kernels=config["portable_kernels"],
        threads=get_threads("score_layers"),
        layers=get_model_layers,
        pooling=get_run_pooling,
        settings=config["layer_scores"],
        seed=get_seed,
    script:
        "../scripts/score_layers.py"


# `snakemake --cores 2 network_similarity`: with several variants, how alike their layers are
# (linear CKA on the test points, every layer of one network against every layer of another).
rule network_similarity:
    input:
        package("similarity.py", "tables.py"),
        activations=get_similarity_inputs,
    output:
        path("table", name="network_similarity.tsv"),
    log:
        f"results/logs/network_similarity/{EXPERIMENT}.log",
    benchmark:
        f"results/benchmarks/network_similarity/{EXPERIMENT}.tsv"
    conda:
        "../envs/reduce.yaml"
    threads: 2
    resources:
        mem_mb=8000,  # every mapped layer's test activations of every network at once
    params:
        portable_kernels=config["portable_kernels"],
        threads=2,
        layers=get_similarity_layers,
    script:
        "../scripts/compare_networks.py"
