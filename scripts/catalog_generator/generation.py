"""One generation run: per framework, load it, probe every layer class, write its JSON file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .catalog_files import GENERATED_BY, catalog_file_name, render
from .framework import Framework
from .framework_registry import load_framework
from .layer_classes import public_layer_classes
from .layer_facts import probe_layer
from .quiet_logs import quiet_framework_logs


def build_catalog(fw: Framework) -> dict[str, Any]:
    """The catalog of one framework; aliases (MaxPool2D, MaxPooling2D) share one probe."""
    layers, probed = {}, {}
    for name, (cls, exported_as) in public_layer_classes(fw).items():
        if cls not in probed:
            probed[cls] = probe_layer(fw, cls, exported_as)
        layers[name] = probed[cls]
    catalog: dict[str, Any] = {
        "framework": fw.name,
        "version": fw.version,
        "generated_by": GENERATED_BY,
        "layers": layers,
    }
    if fw.backend is not None:
        catalog["backend"] = fw.backend
    return catalog


def generate(frameworks: list[str], output_dir: Path, versioned: bool, keras_backend: str) -> dict:
    """Generate catalogs for `frameworks` into `output_dir`; returns file name -> catalog."""
    written = {}
    output_dir.mkdir(parents=True, exist_ok=True)
    for name in frameworks:
        with quiet_framework_logs():
            fw = load_framework(name, keras_backend)
            catalog = build_catalog(fw)
        file_name = catalog_file_name(name, fw.version, versioned)
        (output_dir / file_name).write_text(render(catalog), encoding="utf-8")
        counts = {}
        for entry in catalog["layers"].values():
            counts[entry["status"]] = counts.get(entry["status"], 0) + 1
        print(f"{file_name}: {fw.name} {fw.version}, {len(catalog['layers'])} names {counts}")
        written[file_name] = catalog
    return written
