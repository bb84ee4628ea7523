"""Runs layerlint from the VS Code extension's bundle, in whichever Python the user picked.

The extension starts `<interpreter> <extension>/bundled/tool/layerlint_vscode.py serve` (the
language server on stdio) or `... probe` (one JSON line: can this interpreter run the bundle?).
Nothing is installed into the interpreter's environment: the bundle is put on `sys.path`.

- `bundled/libs`: layerlint and its pure-Python dependencies (pygls, lsprotocol, attrs, cattrs,
  typing_extensions, exceptiongroup). With LAYERLINT_IMPORT_STRATEGY=useBundled (the default)
  it comes first; with `fromEnvironment` the interpreter's own packages come first and the
  bundle is the fallback.
- `bundled/native/cpXY`: libcst for this CPython version, present only in the platform-specific
  builds. It comes last, so an environment's own libcst wins; it is imported only when a quick
  fix is asked for, and without it the server still reports every diagnostic.
- Whatever else the server imports (jupyter_client, for a shape trace) comes from the
  interpreter's environment.

This file must stay importable by old Pythons (3.6 on) so that it can say they are too old.
"""

import json
import os
import sys

MINIMUM = (3, 10)
BUNDLED = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIBS = os.path.join(BUNDLED, "libs")
NATIVE = os.path.join(BUNDLED, "native", "cp%d%d" % sys.version_info[:2])


def arrange_path(strategy):
    if os.path.isdir(LIBS) and LIBS not in sys.path:
        if strategy == "fromEnvironment":
            sys.path.append(LIBS)
        else:
            sys.path.insert(0, LIBS)
    if os.path.isdir(NATIVE) and NATIVE not in sys.path:
        sys.path.append(NATIVE)


def origin(module_name):
    """Where `module_name` would be imported from, without importing it (None: nowhere)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    locations = list(spec.submodule_search_locations or [])
    return locations[0] if locations else spec.origin


def probe():
    """One JSON line describing this interpreter and what it would run."""
    supported = sys.version_info[:2] >= MINIMUM
    answer = {
        "executable": sys.executable,
        "python": "%d.%d.%d" % sys.version_info[:3],
        "supported": supported,
        "minimum": "%d.%d" % MINIMUM,
        "layerlint": None,
        "layerlintPath": None,
        "bundled": False,
        "libcst": None,
        "error": None,
    }
    if supported:
        try:
            import layerlint

            answer["layerlint"] = layerlint.__version__
            answer["layerlintPath"] = os.path.dirname(os.path.abspath(layerlint.__file__))
            answer["bundled"] = answer["layerlintPath"].startswith(LIBS + os.sep)
        except Exception as error:  # a broken environment: say so rather than crash
            answer["error"] = "%s: %s" % (type(error).__name__, error)
        answer["libcst"] = origin("libcst")
    sys.stdout.write(json.dumps(answer) + "\n")
    return 0


def serve(arguments):
    if sys.version_info[:2] < MINIMUM:
        sys.stderr.write("layerlint needs Python %d.%d or newer; %s is %d.%d\n"
                         % (MINIMUM + (sys.executable,) + sys.version_info[:2]))
        return 3
    from layerlint.cli import main

    return main(["serve", *arguments])


def run(argv):
    arrange_path(os.environ.get("LAYERLINT_IMPORT_STRATEGY", "useBundled"))
    command = argv[0] if argv else "serve"
    if command == "probe":
        return probe()
    if command == "serve":
        return serve(argv[1:])
    sys.stderr.write("usage: layerlint_vscode.py [serve [options] | probe]\n")
    return 2


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
