"""Entry point for both `pulumi up` (no arguments: run the program) and the offline tools
(`python -m infra plan|bench ...`)."""

import sys
from pathlib import Path

# Pulumi puts this directory first on sys.path; our modules are imported through the package.
_here = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p != _here]

if __name__ == "__main__":
    from infra.cli import COMMANDS, main

    if len(sys.argv) > 1 and sys.argv[1] in COMMANDS:
        sys.exit(main(sys.argv[1:]))
    from infra.program import run

    run()
