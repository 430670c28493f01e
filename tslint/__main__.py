import os
import sys

# `python -m tslint` puts the current folder first on sys.path, so a folder named `libcst/` (or
# `colorama/`, ...) in the linted project would be imported in place of the real package: linting
# must never run the project's code. tslint itself is imported by now; its modules are found through
# the package, not sys.path.
if sys.path and not getattr(sys.flags, "safe_path", False) and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from tslint.cli import main  # noqa: E402  (after the sys.path fix, on purpose)

sys.exit(main())
