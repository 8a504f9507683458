"""Packaging glue: the top-level ``resources/`` folder ships as package ``kapnotes.resources``.

Everything else lives in pyproject.toml. This one mapping needs code because
setuptools' ``packages.find`` cannot name a package whose folder lies outside
``kapnotes/``. Every folder under ``resources/`` (templates, instruments, fonts,
…) is found here and its files are taken by the ``**/*`` rule in pyproject.toml,
so a new resource file or folder ships without editing either file.
"""

from setuptools import find_namespace_packages, find_packages, setup

RESOURCES = "kapnotes.resources"

#: The migration scripts' folder has no ``__init__.py`` (Alembic loads the scripts by
#: path; their names start with digits), so ``find_packages`` does not list it.
MIGRATIONS = "kapnotes.store.migrations.versions"

setup(
    packages=[
        *find_packages(include=["kapnotes", "kapnotes.*"]),
        MIGRATIONS,
        RESOURCES,
        *(
            f"{RESOURCES}.{name}"
            for name in find_namespace_packages("resources", exclude=["*__pycache__*"])
        ),
    ],
    package_dir={RESOURCES: "resources"},
)
