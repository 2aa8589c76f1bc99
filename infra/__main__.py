"""Entry point for both `pulumi up` (the engine runs this file: run the program) and the offline
tools (`python -m infra plan|check|diff|bench ...`)."""

import sys
from pathlib import Path

# Pulumi puts this directory first on sys.path; our modules are imported through the package, from the
# project root (so a virtualenv Pulumi's pip toolchain builds from requirements.txt alone runs it too).
_here = Path(__file__).resolve().parent
sys.path[:] = [str(_here.parent)] + [p for p in sys.path if p not in (str(_here), str(_here.parent))]

if __name__ == "__main__":
    from pulumi.runtime.settings import get_monitor

    if get_monitor() is not None:  # started by the Pulumi engine
        from infra.program import run

        run()
    else:
        from infra.cli import main

        sys.exit(main(sys.argv[1:]))
