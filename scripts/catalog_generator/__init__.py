"""The layer catalog generator, split by role; `scripts/generate_catalog.py` is its entry point.

One run goes top to bottom through these modules:
    cli                 flags, and --check's comparison with the checked-in files
    generation          per framework: load it, build its catalog, write its JSON file
    framework_registry  which frameworks exist, whether installed, how to load one
    keras_frameworks    adapters for Keras 3 and tf-keras (imported only when loaded)
    torch_framework     the adapter for torch.nn (imported only when loaded)
    framework           the adapter's shape (`Framework`, `Variable`) and the call patterns
    probe_values        constructor argument values for probing, by parameter and class name
    probe_inputs        probe tensors: shapes per rank, data, and the accepted input (`CallSpec`)
    layer_classes       the public layer classes of a framework, aliases grouped
    construction        choosing constructor arguments and building an instance
    call_search         finding an input a layer accepts
    measurements        weights, statistics, randomness and build() probes on built layers
    layer_facts         turning measurements into one catalog entry per class
    catalog_files       file names, JSON rendering and drift between two catalogs
    shape_grid          --shape-records: the Keras grid of constructor arguments and input shapes
    torch_shape_grid    --shape-records: the torch.nn grid
    shape_records       --shape-records: building each case, recording outputs or errors
    stable_text         names and error messages made stable across runs
    nesting             walking values nested in lists, tuples and dicts
    quiet_logs          silencing framework chatter while probing

No module imports a framework (or numpy) at import time: tests and --check import them cheaply.
"""
