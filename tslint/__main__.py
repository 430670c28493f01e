import sys

from tslint.cli import main

sys.exit(main())
