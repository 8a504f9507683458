"""`python -m kapnotes`: the GUI, or a command of the command line (see kapnotes.launch)."""

import sys

from kapnotes.launch import main

sys.exit(main())
