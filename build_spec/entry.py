"""The bundle's entry point: ``kapnotes`` as installed (see kapnotes.launch)."""

import sys

from kapnotes.launch import main

if __name__ == "__main__":
    sys.exit(main())
