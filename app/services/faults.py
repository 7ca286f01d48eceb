"""Deterministic pause points for the fault tests (kill -9 at an exact place; DESIGN §6 recovery).

``SIKIPP_FAULT_PAUSE=<name>`` (environment) makes :func:`pause_point` ``<name>`` write the file named by
``SIKIPP_FAULT_PAUSE_FILE`` (so the test knows the process got there) and then wait until the process is
killed. Unset (always, outside the fault suite), a pause point costs one dictionary look-up.
"""
import os
import time


def pause_point(name: str) -> None:
    if os.environ.get("SIKIPP_FAULT_PAUSE") != name:
        return
    marker = os.environ.get("SIKIPP_FAULT_PAUSE_FILE")
    if marker:
        with open(marker, "w") as fh:
            fh.write(str(os.getpid()))
    while True:  # until the test kills this process
        time.sleep(3600)
