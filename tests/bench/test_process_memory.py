"""Resident memory of a process tree, read from /proc."""

import os
import subprocess
import sys

from bench.process_memory import descendants, resident_kib, tree_resident_kib

SLEEPER = "import sys, time; print('ready', flush=True); time.sleep(30)"


def test_tree_includes_a_child_and_sums_its_memory():
    child = subprocess.Popen([sys.executable, "-c", SLEEPER], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"  # its memory no longer grows
        assert child.pid in descendants(os.getpid())
        child_kib = resident_kib(child.pid)
        assert child_kib > 0
        # Our own RSS may move between two reads; the child's is settled.
        assert tree_resident_kib(os.getpid()) - resident_kib(os.getpid()) >= child_kib * 0.9
    finally:
        child.kill()
        child.wait()


def test_a_missing_process_reads_as_zero():
    # Above the kernel's pid maximum, so it cannot exist.
    assert resident_kib(2**31) == 0
    assert descendants(2**31) == [2**31]
