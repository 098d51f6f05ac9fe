import os
import sys

# The package comes from the in-tree build (scripts/build.sh puts it in build/python), or from
# the directory TESSERA_PYTHON_DIR names (another build dir); without either, from wherever
# Python finds it (e.g. installed with pip install .).
_here = os.path.dirname(os.path.abspath(__file__))
_build = os.environ.get("TESSERA_PYTHON_DIR") or os.path.join(_here, "..", "..", "build", "python")
_build = os.path.abspath(_build)
if os.path.isdir(_build) and _build not in sys.path:
    sys.path.insert(0, _build)
