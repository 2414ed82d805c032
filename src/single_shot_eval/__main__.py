import sys

from single_shot_eval.cli import main

# `main` returns a command's exit code (e.g. 1 from `verify` or `check`) as the console script's
# wrapper expects; pass it on here too.
sys.exit(main())
