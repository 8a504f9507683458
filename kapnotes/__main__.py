"""`python -m kapnotes`: the command line, whose default command opens the GUI."""

import sys

from kapnotes.cli import main

sys.exit(main())
