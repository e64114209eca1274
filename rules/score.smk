rule score_knn:
    input:
        package("knn.py", "tables.py"),
        embedding="results/{dataset}/{branch}/embeddings/{layer}/{reducer}.npz",
    output:
        "results/{dataset}/{branch}/knn/{layer}/{reducer}.tsv",
    log:
        "results/logs/score_knn/{dataset}/{branch}/{layer}/{reducer}.log",
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
        train="results/{dataset}/{branch}/activations/{layer}/train.npy",
        test="results/{dataset}/{branch}/activations/{layer}/test.npy",
    output:
        "results/{dataset}/{branch}/knn/{layer}/highdim.tsv",
    log:
        "results/logs/score_knn_highdim/{dataset}/{branch}/{layer}.log",
    benchmark:
        "results/benchmarks/score_knn_highdim/{dataset}/{branch}/{layer}.tsv"
    conda:
        "../envs/reduce.yaml"
    threads: get_threads("score_knn")
    params:
        k=config["knn"]["k"],
        seed=get_seed,
        variant=get_variant,
    script:
        "../scripts/score_knn_highdim.py"


rule score_quality:
    input:
        package("quality.py"),
        embedding="results/{dataset}/{branch}/embeddings/{layer}/{reducer}.npz",
        points=expand(
            "results/{{dataset}}/{{branch}}/activations/{{layer}}/{split}.npy",
            split=config["quality"]["points"],
        ),
    output:
        "results/{dataset}/{branch}/quality/{layer}/{reducer}.tsv",
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
        quality=config["quality"],
        seed=get_seed,
        variant=get_variant,
    script:
        "../scripts/score_quality.py"
