"""Packaging glue: the top-level ``resources/`` folder ships as package ``kapnotes.resources``.

Everything else lives in pyproject.toml. This one mapping needs code because
setuptools' ``packages.find`` cannot name a package whose folder lies outside
``kapnotes/``. Every folder under ``resources/`` (templates, instruments, fonts,
…) is found here and its files are taken by the ``**/*`` rule in pyproject.toml,
so a new resource file or folder ships without editing either file.
"""

from setuptools import find_namespace_packages, find_packages, setup

RESOURCES = "kapnotes.resources"

setup(
    packages=[
        *find_packages(include=["kapnotes", "kapnotes.*"]),
        RESOURCES,
        *(
            f"{RESOURCES}.{name}"
            for name in find_namespace_packages("resources", exclude=["*__pycache__*"])
        ),
    ],
    package_dir={RESOURCES: "resources"},
)
