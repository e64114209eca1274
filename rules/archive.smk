rule archive:
    input:
        package("provenance.py", "sources.py"),
        unpack(get_archive_inputs),
    output:
        PATHS["archive"],
    log:
        f"results/logs/archive/{EXPERIMENT}.log",
    conda:
        "../envs/data.yaml"
    params:
        config=get_plain_config,
        experiment=EXPERIMENT,
        data_files=get_all_source_files,
    script:
        "../scripts/write_archive.py"
