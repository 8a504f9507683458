"""The files kapnotes ships: templates, instruments, schema, settings, themes, icons, fonts.

Installed as the package ``kapnotes.resources`` (see setup.py); found at run time
through ``kapnotes.domain.assets``. This file holds no code: it makes the folder a
regular package so ``importlib.resources`` finds it the same way in every install.
"""
